import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from './crc32.ts';
import { replaceFileDurably } from '../durable-file.ts';
import { SpoolError } from './spool-errors.ts';

/** Where the writer has acknowledged up to: the byte after the last acknowledged record. */
export interface Position {
  segment: number;
  offset: number;
}

const ackName = 'ack';
export const ackTempName = 'ack.tmp';

// One text line, `wxspool-ack v1 <segment> <offset> <crc32 hex of what precedes>`,
// readable by an operator and checked on open.
function render(position: Position): string {
  const body = `wxspool-ack v1 ${position.segment} ${position.offset}`;
  return `${body} ${crc32(Buffer.from(body)).toString(16).padStart(8, '0')}\n`;
}

function parse(text: string, path: string): Position {
  const match = /^(wxspool-ack v1 (\d+) (\d+)) ([0-9a-f]{8})\n$/.exec(text);
  if (!match || crc32(Buffer.from(match[1]!)) !== Number.parseInt(match[4]!, 16)) {
    throw new SpoolError('WX_ERR_SPOOL_CORRUPT', `the ack file ${path} is damaged; delete it to re-deliver every spooled record`, { value: text.slice(0, 100) });
  }
  return { segment: Number(match[2]), offset: Number(match[3]) };
}

/** The acknowledged position, or null when nothing was ever acknowledged. */
export async function readAck(dir: string): Promise<Position | null> {
  const path = join(dir, ackName);
  try {
    return parse(await readFile(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Replaces the ack file atomically and durably (durable-file.ts), through `ack.tmp`, which recovery removes. */
export async function writeAck(dir: string, position: Position): Promise<void> {
  await replaceFileDurably(join(dir, ackName), render(position), { temporary: join(dir, ackTempName) });
}
