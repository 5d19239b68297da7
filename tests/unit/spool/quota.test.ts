import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { framedSize, isSpoolError, type Spool } from '../../../services/spool/index.ts';
import { makeRecords, readAll, segmentFiles, useSpoolDirs } from './helpers.ts';

async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const name of await segmentFiles(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** Appends one record at a time until the spool refuses; returns how many went in and the refusal. */
async function fill(spool: Spool): Promise<{ accepted: number; refusal: unknown }> {
  for (let n = 0; ; n += 1) {
    try {
      await spool.append(makeRecords(1, n));
    } catch (error) {
      return { accepted: n, refusal: error };
    }
  }
}

describe('the spool quota', () => {
  const dirs = useSpoolDirs();

  it('refuses appends past maxBytes with WX_ERR_SPOOL_FULL, and takes them again once acked segments are deleted', async () => {
    const dir = await dirs.dir();
    const spool = await dirs.open({ dir, segmentBytes: 2_048, maxBytes: 8_192, fsyncIntervalMs: 0 });
    const { accepted, refusal } = await fill(spool);
    expect(isSpoolError(refusal, 'WX_ERR_SPOOL_FULL')).toBe(true);
    expect(refusal).toMatchObject({ value: { needed: framedSize(makeRecords(1, accepted)), max: 8_192 } });
    expect(spool.usedBytes).toBeLessThanOrEqual(8_192);
    expect(spool.usedBytes).toBe(await bytesOnDisk(dir));
    const segmentsWhenFull = (await segmentFiles(dir)).length;

    let spaceFound = false;
    const space = spool.waitForSpace(1_000).then(() => (spaceFound = true));
    const batch = (await spool.read(accepted))!;
    // Reading alone frees nothing: the records stay until they are acknowledged.
    await expect(spool.append(makeRecords(1, accepted))).rejects.toMatchObject({ code: 'WX_ERR_SPOOL_FULL' });
    expect(spaceFound).toBe(false);
    await batch.ack();
    await space;
    expect(await segmentFiles(dir)).toHaveLength(1);
    expect(segmentsWhenFull).toBeGreaterThan(1);
    expect(spool.usedBytes).toBe(await bytesOnDisk(dir));

    await spool.append(makeRecords(5, accepted));
    expect(await readAll(spool)).toEqual(makeRecords(5, accepted));
  });

  it('frees a fully acknowledged segment that is still being written by rolling past it', async () => {
    const dir = await dirs.dir();
    const spool = await dirs.open({ dir, segmentBytes: 8_192, maxBytes: 8_192, fsyncIntervalMs: 0 });
    const { accepted } = await fill(spool);
    await (await spool.read(accepted))!.ack();
    await spool.waitForSpace(4_000);
    await spool.append(makeRecords(10, accepted));
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['ack']));
    expect(await segmentFiles(dir)).toHaveLength(1);
    expect(await bytesOnDisk(dir)).toBe(framedSize(makeRecords(10, accepted)));
  });

  it('refuses at once what could never fit', async () => {
    const spool = await dirs.open({ dir: await dirs.dir(), segmentBytes: 1_024, maxBytes: 4_096 });
    await expect(spool.append(['x'.repeat(5_000)])).rejects.toMatchObject({ code: 'WX_ERR_SPOOL_FULL' });
    await expect(spool.waitForSpace(5_000)).rejects.toMatchObject({ code: 'WX_ERR_SPOOL_FULL', value: { needed: 5_000 } });
    expect(spool.usedBytes).toBe(0);
  });
});
