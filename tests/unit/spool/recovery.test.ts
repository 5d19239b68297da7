import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSpool } from '../../../services/spool/index.ts';
import { encodeFrames, scanFrame } from '../../../services/spool/frame.ts';
import { makeRecords, readAll, segmentFiles, useSpoolDirs } from './helpers.ts';

/** Offsets at which each frame of a segment file starts. */
async function frameStarts(path: string): Promise<number[]> {
  const buffer = await readFile(path);
  const starts: number[] = [];
  for (let at = 0; at < buffer.length; ) {
    const scan = scanFrame(buffer, at);
    if (scan.kind !== 'record') throw new Error(`unexpected ${scan.kind} at ${at}`);
    starts.push(at);
    at = scan.end;
  }
  return starts;
}

async function flipByte(path: string, offset: number): Promise<void> {
  const buffer = await readFile(path);
  buffer[offset] = buffer[offset]! ^ 0x5a;
  await writeFile(path, buffer);
}

describe('spool recovery', () => {
  const dirs = useSpoolDirs();

  async function spoolWith(count: number, segmentBytes = 4_096): Promise<{ dir: string; records: string[] }> {
    const dir = await dirs.dir();
    const spool = createSpool({ dir, segmentBytes });
    await spool.open();
    const records = makeRecords(count);
    for (let at = 0; at < count; at += 5) await spool.append(records.slice(at, at + 5));
    await spool.close();
    return { dir, records };
  }

  it('cuts a last record truncated by a crash and reads every record before it', async () => {
    const { dir, records } = await spoolWith(50);
    const last = join(dir, (await segmentFiles(dir)).at(-1)!);
    const size = (await stat(last)).size;
    await truncate(last, size - 3);
    const spool = createSpool({ dir });
    const lastFrame = 12 + Buffer.byteLength(records.at(-1)!);
    expect(await spool.open()).toMatchObject({ tornTails: 1, corruptRecords: 0, cutBytes: lastFrame - 3, records: 49 });
    expect(await readAll(spool)).toEqual(records.slice(0, 49));
    expect((await stat(last)).size).toBe(size - lastFrame);
    await spool.close();
  });

  it.each([
    ['half a record', (record: Buffer) => record.subarray(0, record.length >> 1)],
    ['part of a length prefix', (record: Buffer) => record.subarray(0, 5)],
    ['a zero-filled block', () => Buffer.alloc(4_096)],
  ])('cuts %s appended at the end and keeps appending after it', async (_name, tail) => {
    const { dir, records } = await spoolWith(30);
    const garbage = tail(encodeFrames(['never acknowledged']));
    await appendFile(join(dir, (await segmentFiles(dir)).at(-1)!), garbage);
    const spool = createSpool({ dir });
    expect(await spool.open()).toMatchObject({ tornTails: 1, corruptRecords: 0, cutBytes: garbage.length, records: 30 });
    await spool.append(['after the restart']);
    expect(await readAll(spool)).toEqual([...records, 'after the restart']);
    await spool.close();
    const again = createSpool({ dir });
    expect(await again.open()).toMatchObject({ tornTails: 0, corruptRecords: 0, cutBytes: 0, records: 31 });
    await again.close();
  });

  it.each([
    ['a payload byte', 20],
    ['a length byte', 1],
  ])('detects %s flipped in the middle of a segment, cuts that record only and keeps the intact ones after it, read last', async (_name, byteInFrame) => {
    const { dir, records } = await spoolWith(200);
    const names = await segmentFiles(dir);
    const victim = join(dir, names[1]!);
    const starts = await frameStarts(victim);
    const firstInVictim = (await frameStarts(join(dir, names[0]!))).length;
    const bad = Math.floor(starts.length / 2);
    const victimBytes = (await stat(victim)).size;
    await flipByte(victim, starts[bad]! + byteInFrame);

    const spool = createSpool({ dir });
    const recovery = await spool.open();
    const moved = starts.length - bad - 1;
    expect(recovery).toMatchObject({ tornTails: 0, corruptRecords: 1, movedRecords: moved, records: 199, cutBytes: victimBytes - starts[bad]! });
    expect((await stat(victim)).size).toBe(starts[bad]);
    const victimAfter = records.slice(firstInVictim + bad + 1, firstInVictim + starts.length);
    const expected = [...records.slice(0, firstInVictim + bad), ...records.slice(firstInVictim + starts.length), ...victimAfter];
    expect(await readAll(spool)).toEqual(expected);
    await spool.close();
    // Moved once: a second start finds nothing to cut and the same records (none acknowledged).
    const again = createSpool({ dir });
    expect(await again.open()).toMatchObject({ corruptRecords: 0, movedRecords: 0, records: 199 });
    await again.close();
  });

  // Red team: a flipped bit in a record InfluxDB already had cut every record after it in its
  // segment, the unacknowledged ones too: readings devices had been answered for were deleted.
  it('keeps the unacknowledged records of a segment whose acknowledged part is damaged', async () => {
    const dir = await dirs.dir();
    const first = createSpool({ dir });
    await first.open();
    await first.append(makeRecords(10));
    await (await first.read(10))!.ack();
    await first.append(makeRecords(5, 10));
    await first.close();
    const [name] = await segmentFiles(dir);
    const starts = await frameStarts(join(dir, name!));
    await flipByte(join(dir, name!), starts[3]! + 20);
    const spool = await dirs.open({ dir });
    expect(await readAll(spool)).toEqual(makeRecords(5, 10));
  });

  it('refuses to open when the ack file is damaged, naming the code', async () => {
    const { dir } = await spoolWith(3);
    await writeFile(join(dir, 'ack'), 'wxspool-ack v1 1 999 00000000\n');
    await expect(createSpool({ dir }).open()).rejects.toMatchObject({ code: 'WX_ERR_SPOOL_CORRUPT' });
  });

  it('never moves the acknowledged position past a cut', async () => {
    const dir = await dirs.dir();
    const first = createSpool({ dir });
    await first.open();
    await first.append(makeRecords(10));
    await (await first.read(10))!.ack();
    await first.append(makeRecords(5, 10));
    await first.close();
    const second = await dirs.open({ dir });
    expect(await readAll(second)).toEqual(makeRecords(5, 10));
  });
});
