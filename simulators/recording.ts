import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';
import { z } from 'zod';
import { openOutputFileSync } from '../services/durable-file.ts';
import { WanxiangError } from '../services/errors.ts';
import { recordingLimits, recordingLines, type RecordingLimits } from './recording-lines.ts';

/**
 * A recording: gzip-compressed NDJSON. The first line is a header; each further line is
 * one MQTT message with its receive time. Text payloads are kept as text, others base64.
 */
/**
 * A time in a recording: epoch ms a date can hold (red team 6: `t: 1e300` failed deep in the HJ 212
 * replay as WX_ERR_INTERNAL "Invalid time value"; now the recording is refused, naming the line).
 */
const recordedTime = z.number().int().min(0).max(8_640_000_000_000_000);

export const recordingHeaderSchema = z.strictObject({
  format: z.literal('wanxiang-recording'),
  version: z.literal(1),
  startedAt: recordedTime,
  source: z.string(),
});
export const recordedMessageSchema = z.strictObject({
  t: recordedTime,
  topic: z.string(),
  payload: z.string().optional(),
  payload64: z.string().optional(),
});

/**
 * One raw HJ 212 frame a station sent (issue 20, item 5), as the platform stored it: the bytes
 * as text (`hj212`, CR LF included) or, when they are not UTF-8, base64 (`hj212_64`).
 */
export const recordedFrameSchema = z.strictObject({
  t: recordedTime,
  station: z.string(),
  hj212: z.string().optional(),
  hj212_64: z.string().optional(),
});

export type RecordingHeader = z.infer<typeof recordingHeaderSchema>;
export type RecordedMessage = z.infer<typeof recordedMessageSchema>;
export type RecordedFrame = z.infer<typeof recordedFrameSchema>;

export const frameOf = (line: RecordedFrame): Buffer =>
  line.hj212_64 !== undefined ? Buffer.from(line.hj212_64, 'base64') : Buffer.from(line.hj212 ?? '', 'utf8');

export function toRecordedFrame(t: number, station: string, frame: Buffer): RecordedFrame {
  const text = frame.toString('utf8');
  return Buffer.from(text, 'utf8').equals(frame) ? { t, station, hj212: text } : { t, station, hj212_64: frame.toString('base64') };
}

export const payloadOf = (message: RecordedMessage): Buffer =>
  message.payload64 !== undefined ? Buffer.from(message.payload64, 'base64') : Buffer.from(message.payload ?? '', 'utf8');

export function toRecordedMessage(t: number, topic: string, payload: Buffer): RecordedMessage {
  const text = payload.toString('utf8');
  return Buffer.from(text, 'utf8').equals(payload) ? { t, topic, payload: text } : { t, topic, payload64: payload.toString('base64') };
}

export interface RecordingWriter {
  write(message: RecordedMessage | RecordedFrame): void;
  close(): Promise<void>;
}

/**
 * Writes a recording to `path`. With `replace: false` the file is created or refused, never
 * replaced (O_EXCL): `record` without --force (red team 6: it overwrote the platform's users
 * file); the check is the opening itself, so no file can appear between a check and the write.
 * Replacing (--force) replaces the name, never the file a symbolic link there points at
 * (openOutputFileSync).
 */
export function createRecordingWriter(path: string, header: Omit<RecordingHeader, 'format' | 'version'>, options: { replace?: boolean } = {}): RecordingWriter {
  let fd: number;
  try {
    fd = openOutputFileSync(path, { replace: options.replace !== false, mode: 0o666 });
  } catch (error) {
    const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
    throw new WanxiangError('WX_ERR_FILE', `cannot write the recording ${path}: ${exists ? 'the file exists; give --force to replace it, or another --out' : (error as Error).message}`, { value: path, cause: error });
  }
  const gzip = createGzip();
  const file = createWriteStream(path, { fd });
  gzip.pipe(file);
  gzip.write(`${JSON.stringify({ format: 'wanxiang-recording', version: 1, ...header })}\n`);
  return {
    write: (message) => gzip.write(`${JSON.stringify(message)}\n`),
    async close() {
      gzip.end();
      await once(file, 'close');
    },
  };
}

/**
 * How a file holds a recording: gzip (RFC 1952 §2.3.1: ID1 = 0x1f, ID2 = 0x8b), or plain NDJSON
 * whose first line is the recording header (a `.ndjson.gz` someone gunzipped, issue 19 item 7);
 * undefined for anything else (a CSV, a text file).
 */
export async function recordingKind(path: string): Promise<'gzip' | 'plain' | undefined> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4_096), 0, 4_096, 0);
    if (bytesRead >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) return 'gzip';
    const firstLine = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0]!;
    return recordingHeaderSchema.safeParse(parseOrUndefined(firstLine)).success ? 'plain' : undefined;
  } finally {
    await handle.close();
  }
}

function parseOrUndefined(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined; // not JSON: the schema's check then fails, and the caller says what it is not
  }
}

/**
 * Reads a recording (gzip or plain NDJSON) lazily; a bad line stops it with WX_ERR_FILE naming the
 * line. Only the LAST line may be cut (a `record` killed, a full disk, a copy cut short): it is
 * skipped and told to `onTornTail`, like the spool's torn tail, instead of refusing every whole
 * line before it; a gzip stream that ends early is the same case. A bad line with lines after it
 * is damage, not an interruption, and still stops the read.
 */
export async function* readRecording(path: string, options: { onTornTail?: (why: string) => void; limits?: Partial<RecordingLimits> } = {}): AsyncGenerator<RecordingHeader | RecordedMessage | RecordedFrame> {
  const file = createReadStream(path);
  const input = (await recordingKind(path)) === 'plain' ? file : file.pipe(createGunzip());
  // Lazily read, the file's size matters not; a line is gathered whole, so its length does.
  const limits = { maxLineBytes: recordingLimits.maxLineBytes, maxBytes: Infinity, maxLines: Infinity, ...options.limits };
  const lines = recordingLines(input, path, limits);
  let number = 0;
  let held: WanxiangError | undefined;
  try {
    for await (const line of lines) {
      number += 1;
      if (!line.trim()) continue;
      if (held) throw held;
      const document = parseOrUndefined(line);
      const isFrame = typeof document === 'object' && document !== null && 'station' in document;
      const schema = number === 1 ? recordingHeaderSchema : isFrame ? recordedFrameSchema : recordedMessageSchema;
      const parsed = schema.safeParse(document);
      if (!parsed.success) {
        const bad = new WanxiangError('WX_ERR_FILE', `${path}:${number}: not a recording line`, { value: line.slice(0, 200) });
        if (number === 1 || !options.onTornTail) throw bad;
        held = bad; // the last line, if no line follows
        continue;
      }
      yield parsed.data;
    }
  } catch (error) {
    // zlib: "unexpected end of file" (Z_BUF_ERROR) is a compressed stream cut short.
    if (options.onTornTail && number > 1 && (error as { code?: string }).code === 'Z_BUF_ERROR') {
      options.onTornTail(`the compressed file ends early after line ${number} (a recording that was interrupted)`);
      return;
    }
    throw error;
  } finally {
    file.destroy(); // a refusal stops the read: the file is closed, not read on into a gunzip no one reads
  }
  if (held) options.onTornTail!(`line ${number} is cut (a recording that was interrupted): ${JSON.stringify(String(held.value).slice(-60))}`);
}

/** Reads a whole recording into memory, within `limits` (recordingLimits unless given): WX_ERR_RECORDING_TOO_LARGE beyond them. */
export async function loadRecording(path: string, limits: Partial<RecordingLimits> = {}): Promise<{ header: RecordingHeader; messages: RecordedMessage[]; frames: RecordedFrame[]; tornTail?: string }> {
  let header: RecordingHeader | undefined;
  let tornTail: string | undefined;
  const messages: RecordedMessage[] = [];
  const frames: RecordedFrame[] = [];
  for await (const entry of readRecording(path, { onTornTail: (why) => (tornTail = why), limits: { ...recordingLimits, ...limits } })) {
    if ('format' in entry) header = entry;
    else if ('station' in entry) frames.push(entry);
    else messages.push(entry);
  }
  if (!header) throw new WanxiangError('WX_ERR_FILE', `${path}: no recording header`);
  return { header, messages, frames, ...(tornTail ? { tornTail } : {}) };
}
