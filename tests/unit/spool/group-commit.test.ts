import { cp } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createSpool } from '../../../services/spool/index.ts';
import { makeRecords, readAll, useSpoolDirs } from './helpers.ts';

describe('group commit', () => {
  const dirs = useSpoolDirs();

  it('makes 1,000 concurrent single-record appends durable, sharing fsyncs, in call order', async () => {
    const dir = await dirs.dir();
    // A long window: were each append given its own fsync window, this would take minutes.
    const spool = await dirs.open({ dir, segmentBytes: 64 * 1024, fsyncIntervalMs: 200 });
    const records = makeRecords(1_000);
    const started = performance.now();
    await Promise.all(records.map((record) => spool.append([record])));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(spool.unacknowledgedRecords).toBe(1_000);

    // Copy the directory while the spool is still open, as a crash would leave it.
    const snapshot = await dirs.dir();
    await cp(dir, snapshot, { recursive: true });
    const reopened = createSpool({ dir: snapshot });
    expect(await reopened.open()).toMatchObject({ records: 1_000, tornTails: 0, corruptRecords: 0 });
    expect(await readAll(reopened)).toEqual(records);
    await reopened.close();
  });

  it('flushes appends still waiting for their window when closed', async () => {
    const dir = await dirs.dir();
    const spool = createSpool({ dir, fsyncIntervalMs: 5_000 });
    await spool.open();
    await spool.append(['first']);
    const second = spool.append(['second', 'third']);
    await spool.close();
    await second;
    const reopened = await dirs.open({ dir });
    expect(await readAll(reopened)).toEqual(['first', 'second', 'third']);
  });
});
