import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSpoolDrainer, encodeRecord } from '../../services/ingest/spool-drainer.ts';
import { createLogger } from '../../services/log.ts';
import { createSpool } from '../../services/spool/index.ts';
import { readingsIn, type BatchEntry } from '../../services/storage/batch-entry.ts';
import type { BatchQueue } from '../../services/storage/influx-writer.ts';

/** A writer of our own interface that records the batch sizes (readings) it is handed. */
function recordingWriter(sizes: number[]): BatchQueue {
  return {
    enqueue: async (batch: BatchEntry[]) => void sizes.push(readingsIn(batch)),
    pending: 0,
    whenBelow: async () => undefined,
    drain: async () => undefined,
    close: async () => 0,
  };
}

describe('the spool drainer', () => {
  it('hands the writer batches of at most batchSize entries, however many a record holds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-drainer-'));
    const spool = createSpool({ dir });
    await spool.open();
    const entry = (i: number): BatchEntry => ({ family: 'air', device: 'd', hour: 0, line: `m v=${i} ${i}` });
    for (let r = 0; r < 40; r += 1) await spool.append([encodeRecord(Array.from({ length: 500 }, (_, i) => entry(r * 500 + i)))]);
    for (let r = 0; r < 300; r += 1) await spool.append([encodeRecord([entry(r)])]);
    const sizes: number[] = [];
    const drainer = createSpoolDrainer({ spool, writer: recordingWriter(sizes), batchSize: 1_000, flushIntervalMs: 5, concurrency: 2, log: createLogger('silent') });
    drainer.start();
    await drainer.drain();
    await drainer.close();
    await spool.close();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40 * 500 + 300);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a lone record at once after an idle spell, then gathers under load until the window passes or a batch is full', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-drainer-'));
    const spool = createSpool({ dir });
    await spool.open();
    const sizes: number[] = [];
    let wrote!: () => void;
    let written = new Promise<void>((resolve) => (wrote = resolve));
    const writer: BatchQueue = { ...recordingWriter(sizes), enqueue: async (batch) => { sizes.push(readingsIn(batch)); wrote(); } };
    // A window far longer than the test: only an idle spell or a full batch (3 records) can release a write.
    const drainer = createSpoolDrainer({ spool, writer, batchSize: 3, flushIntervalMs: 120_000, windowMs: 60_000, concurrency: 2, log: createLogger('silent') });
    drainer.start();
    const record = (i: number) => encodeRecord([{ family: 'air', device: 'd', hour: 0, line: `m v=${i} ${i}` }]);
    await spool.append([record(0)]);
    await written;
    expect(sizes).toEqual([1]);
    written = new Promise<void>((resolve) => (wrote = resolve));
    // Three appends, each fsynced on its own: without the window each could have gone alone.
    for (let i = 1; i <= 3; i += 1) await spool.append([record(i)]);
    await written;
    expect(sizes).toEqual([1, 3]);
    await drainer.drain();
    await drainer.close();
    await spool.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('drains at once, window or not, once the spool holds more than an eighth of its quota', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-drainer-'));
    const spool = createSpool({ dir });
    await spool.open();
    const sizes: number[] = [];
    // A window longer than the test and batches it never fills: only the quota rule can release the later records.
    const drainer = createSpoolDrainer({ spool, writer: recordingWriter(sizes), batchSize: 1_000, flushIntervalMs: 120_000, windowMs: 60_000, concurrency: 2, log: createLogger('silent'), quotaBytes: 64 });
    drainer.start();
    for (let i = 0; i < 4; i += 1) await spool.append([encodeRecord([{ family: 'air', device: 'd', hour: 0, line: `m v=${i} ${i}` }])]);
    await drainer.drain();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(4);
    await drainer.close();
    await spool.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('survives a close while a write is in flight: no unhandled rejection, and the batch is read again at the next open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-drainer-'));
    const spool = createSpool({ dir });
    await spool.open();
    await spool.append([encodeRecord([{ family: 'air', device: 'd', hour: 0, line: 'm v=1 1' }])]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const writing = new Promise<void>((resolve) => (entered = resolve));
    const writer: BatchQueue = { ...recordingWriter([]), enqueue: async () => { entered(); await gate; } };
    const drainer = createSpoolDrainer({ spool, writer, batchSize: 1_000, flushIntervalMs: 5, concurrency: 2, log: createLogger('silent') });
    drainer.start();
    await writing;
    // The platform closing under a write: the drainer stops reading, the spool closes, and the
    // ack that follows the write finds the spool closed.
    await drainer.close();
    await spool.close();
    release();
    await drainer.drain(); // resolves, and nothing rejects unhandled (vitest fails the run on one)
    const reopened = createSpool({ dir });
    await reopened.open();
    expect(reopened.unacknowledgedRecords).toBe(1);
    await reopened.close();
    await rm(dir, { recursive: true, force: true });
  });
});
