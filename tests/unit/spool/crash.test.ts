import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSpool } from '../../../services/spool/index.ts';
import { readAll, segmentFiles, useSpoolDirs } from './helpers.ts';

const appender = fileURLToPath(new URL('./crash-appender.ts', import.meta.url));

/** Runs the appender until it has reported `atLeast` acks, kills it with SIGKILL, returns the acked numbers. */
async function appendUntilKilled(dir: string, label: string, atLeast: number): Promise<Set<string>> {
  const child = spawn(process.execPath, ['--import', 'tsx', appender, dir, label], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked = new Set<string>();
  let text = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    text += chunk;
    const lines = text.split('\n');
    text = lines.pop()!;
    for (const line of lines) acked.add(`${label} ${/^acked (\d+)$/.exec(line)![1]}`);
    if (acked.size >= atLeast) child.kill('SIGKILL');
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
  return acked;
}

/** `<run label> <n>` of each record, the key the appender's acks are reported under. */
function keys(records: string[]): string[] {
  return records.map((record) => record.split(' ', 2).join(' '));
}

describe('a crash of the appending process', () => {
  const dirs = useSpoolDirs();

  it('keeps every record whose append resolved before SIGKILL', async () => {
    const dir = await dirs.dir();
    const acked = await appendUntilKilled(dir, 'a', 3_000);
    expect((await segmentFiles(dir)).length).toBeGreaterThan(3);

    const spool = createSpool({ dir });
    // A kill can stop a write short (a torn tail, cut on open) but never damages a record.
    expect(await spool.open()).toMatchObject({ corruptRecords: 0 });
    const present = new Set(keys(await readAll(spool, { batch: 500 })));
    await spool.close();
    expect([...acked].filter((key) => !present.has(key))).toEqual([]);
    expect(present.size).toBeGreaterThanOrEqual(acked.size);
  });

  it('keeps the acknowledged position across a crash during appends', async () => {
    const dir = await dirs.dir();
    await appendUntilKilled(dir, 'a', 500);
    const first = createSpool({ dir });
    expect(await first.open()).toMatchObject({ corruptRecords: 0 });
    expect((await readAll(first, { batch: 200, ack: true })).length).toBeGreaterThanOrEqual(500);
    await first.close();

    const acked = await appendUntilKilled(dir, 'b', 500);
    const second = await dirs.open({ dir });
    const again = keys(await readAll(second));
    // Nothing of run a, acknowledged before run b, is read again; all of run b's acked records are.
    expect(again.filter((key) => !key.startsWith('b '))).toEqual([]);
    expect(new Set(again).size).toBe(again.length);
    expect([...acked].filter((key) => !again.includes(key))).toEqual([]);
  });
});
