import { describe, expect, it } from 'vitest';
import { createSpool } from '../../../services/spool/index.ts';
import { makeRecords, readAll, segmentFiles, useSpoolDirs } from './helpers.ts';

describe('the spool round trip', () => {
  const dirs = useSpoolDirs();

  it('reads records back in append order across several segment rolls, and deletes consumed segments', async () => {
    const dir = await dirs.dir();
    const spool = await dirs.open({ dir, segmentBytes: 4_096 });
    const records = makeRecords(500);
    for (let at = 0; at < records.length; at += 25) await spool.append(records.slice(at, at + 25));
    expect((await segmentFiles(dir)).length).toBeGreaterThan(10);
    expect(spool.unacknowledgedRecords).toBe(500);
    expect(await readAll(spool, { ack: true })).toEqual(records);
    expect(spool.unacknowledgedRecords).toBe(0);
    // Only the segment still being written survives.
    expect(await segmentFiles(dir)).toHaveLength(1);
  });

  it('keeps multi-line and non-ASCII records intact', async () => {
    const spool = await dirs.open({ dir: await dirs.dir() });
    const records = ['', 'a\nb\nc', '罗湖区 东门 pm25_ugm3=35 ✓', 'x'.repeat(300_000)];
    await spool.append(records);
    expect(await readAll(spool)).toEqual(records);
  });

  it('lets reads run ahead of acks and refuses acks out of order', async () => {
    const spool = await dirs.open({ dir: await dirs.dir() });
    await spool.append(makeRecords(30));
    const [first, second] = await Promise.all([spool.read(10), spool.read(10)]);
    expect(first?.records).toEqual(makeRecords(10));
    expect(second?.records).toEqual(makeRecords(10, 10));
    await expect(second!.ack()).rejects.toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT', value: 2 });
    await first!.ack();
    await second!.ack();
    expect(spool.unacknowledgedRecords).toBe(10);
    await expect(spool.read(0)).rejects.toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT' });
  });

  it('feeds a consumer that waits with whenReadable while producers append', async () => {
    const spool = await dirs.open({ dir: await dirs.dir(), segmentBytes: 8_192, fsyncIntervalMs: 2 });
    const records = makeRecords(2_000);
    const consumed: string[] = [];
    const consumer = (async () => {
      while (consumed.length < records.length) {
        await spool.whenReadable();
        const batch = await spool.read(64);
        if (!batch) continue;
        consumed.push(...batch.records);
        await batch.ack();
      }
    })();
    for (let at = 0; at < records.length; at += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => spool.append([records[at + k]!])));
    }
    await consumer;
    expect(consumed).toEqual(records);
    expect(spool.unacknowledgedRecords).toBe(0);
  });

  it('resumes after a restart: acknowledged records are not read again, unacknowledged ones are', async () => {
    const dir = await dirs.dir();
    const records = makeRecords(1_000);
    const first = createSpool({ dir, segmentBytes: 16_384 });
    await first.open();
    await first.append(records);
    for (let n = 0; n < 4; n += 1) await (await first.read(100))!.ack();
    // Read but never acknowledged before the close: these must come back.
    expect((await first.read(50))?.records).toEqual(records.slice(400, 450));
    await first.close();

    const second = await dirs.open({ dir, segmentBytes: 16_384 });
    expect(second.unacknowledgedRecords).toBe(600);
    expect(await readAll(second)).toEqual(records.slice(400));
  });

  it('reports what open() found, wakes readers on append and refuses work when closed', async () => {
    const dir = await dirs.dir();
    const spool = createSpool({ dir });
    const readable = spool.whenReadable();
    expect(await spool.open()).toEqual({ segments: 0, records: 0, bytes: 0, tornTails: 0, corruptRecords: 0, movedRecords: 0, cutBytes: 0 });
    await spool.append(['one']);
    await readable;
    await spool.close();
    await expect(spool.append(['two'])).rejects.toMatchObject({ code: 'WX_ERR_SPOOL_UNAVAILABLE' });
    await spool.whenReadable();
    expect(() => createSpool({ dir, maxBytes: 10, segmentBytes: 100 })).toThrow(/segmentBytes/);
  });
});
