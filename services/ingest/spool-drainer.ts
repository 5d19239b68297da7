import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isSpoolError, type Spool, type SpoolBatch } from '../spool/index.ts';
import type { BatchEntry } from '../storage/batch-entry.ts';
import type { BatchQueue } from '../storage/influx-writer.ts';
import { createSignal } from '../spool/signal.ts';
import { decodeRecordBlock } from './spool-record.ts';

export { encodeRecord } from './spool-record.ts';

export interface SpoolDrainer {
  start(): void;
  /** Resolves once everything spooled so far is written (or quarantined) and acknowledged. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

// Without the window, single-reading messages at 36k–51k a second went out as 40–50 writes a
// second of ~1,000 lines, each with its spool read, ack-file write (open, write, fdatasync, rename,
// directory fsync) and HTTP request; with it, 17–18 writes of ~2,300–2,500 lines, and influxd, on
// the cores the platform shares with it, spent 7.1–7.5 µs a point instead of 8.3–8.8 (npm run
// bench, two runs each, alternating).
const defaultWindowMs = 50;
/** The longest wait between tries of an ack whose file write failed. */
const ackRetryMaxMs = 30_000;
/** How often the window looks at the spool's fill. */
const windowCheckMs = 5;

/**
 * Reads the spool in order and hands batches to the writer, `concurrency` at a time;
 * acknowledges each batch to the spool only once it is written, and in read order, so
 * that a crash re-reads exactly what InfluxDB may not have.
 *
 * Batches size themselves to the load, as a group commit does: after an idle spell whatever
 * is readable goes at once (a lone reading is queryable within milliseconds); under load a
 * batch goes no sooner than `windowMs` after the previous one, unless a full batch is waiting
 * or the spool holds more than an eighth of its quota (`quotaBytes`); while writes are in
 * flight, records gather until they finish, a full batch is waiting, or `flushIntervalMs` has
 * passed. Under load every write is a full batch.
 */
export function createSpoolDrainer(deps: { spool: Spool; writer: BatchQueue; batchSize: number; flushIntervalMs: number; concurrency: number; log: Logger; onAcked?: (records: number) => void; windowMs?: number; quotaBytes?: number }): SpoolDrainer {
  const windowMs = deps.windowMs ?? defaultWindowMs;
  let lastBatchAt = -Infinity;
  const stop = new AbortController();
  const slotFreed = createSignal();
  let readNotAcked = 0;
  let inFlight = 0;
  let ackChain: Promise<unknown> = Promise.resolve();
  let ackFailed = false;
  let loop: Promise<void> | undefined;

  const aborted = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));

  // A record holds one message: one reading or a batch of hundreds. Reads are sized by the
  // entries seen per record so far, so that a read stays near batchSize entries.
  let entriesPerRecord = 1;
  const recordsPerRead = () => Math.max(1, Math.min(deps.batchSize, Math.floor(deps.batchSize / entriesPerRecord)));
  const waiting = () => deps.spool.unacknowledgedRecords - readNotAcked;

  // The window saves CPU only while the drainer keeps up. A spool holding more than an eighth of
  // its quota drains at once: appends will soon wait for the room that only written and
  // acknowledged records free. Checked every few ms while the window runs, since the backlog
  // grows meanwhile: tests/integration/overload.test.ts (a 256 KiB quota) saw the spool's usage
  // pass its quota by up to a segment when the window held regardless, which the spool allows for
  // a moment when the segment being written is fully acknowledged (writer.ts, reclaimableBytes).
  const filling = () => deps.quotaBytes !== undefined && deps.spool.usedBytes * 8 > deps.quotaBytes;

  async function gather(): Promise<void> {
    const deadline = performance.now() + deps.flushIntervalMs;
    const windowEnd = Math.min(deadline, lastBatchAt + windowMs);
    while (waiting() < recordsPerRead() && !stop.signal.aborted) {
      const inWindow = inFlight === 0;
      if (inWindow && filling()) break;
      const left = (inWindow ? windowEnd : deadline) - performance.now();
      if (left <= 0) break;
      // A plain timer, cleared after: aborting a timers/promises delay builds a DOMException each time.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([slotFreed.wait(), new Promise<void>((resolve) => (timer = setTimeout(resolve, inWindow ? Math.min(left, windowCheckMs) : left)))]);
      clearTimeout(timer);
    }
  }

  async function run(): Promise<void> {
    while (!stop.signal.aborted) {
      await Promise.race([deps.spool.whenReadable(), aborted]);
      if (stop.signal.aborted) return;
      await gather();
      if (stop.signal.aborted) return;
      lastBatchAt = performance.now();
      const batch = await deps.spool.read(recordsPerRead()).catch((error: unknown) => {
        deps.log.error({ err: error }, 'spool read failed');
        return null;
      });
      if (!batch) continue;
      // A record's lines go through as one block (no string or object per line); see spool-record.ts.
      const entries: BatchEntry[] = [];
      let readings = 0;
      for (const record of batch.records) readings += decodeRecordBlock(record, entries, deps.batchSize);
      entriesPerRecord = Math.max(1, readings / batch.records.length);
      readNotAcked += batch.records.length;
      // Read ahead: the next batch is read and decoded while the writes in flight finish.
      while (inFlight >= deps.concurrency && !stop.signal.aborted) await slotFreed.wait();
      inFlight += 1;
      const writes: Array<Promise<void>> = [];
      if (readings <= deps.batchSize) writes.push(deps.writer.enqueue(entries));
      else {
        // Writes of at most batchSize readings (a block never holds more than batchSize).
        let chunk: BatchEntry[] = [];
        let chunkReadings = 0;
        for (const entry of entries) {
          const lines = entry.readings ?? 1;
          if (chunkReadings + lines > deps.batchSize) {
            writes.push(deps.writer.enqueue(chunk));
            chunk = [];
            chunkReadings = 0;
          }
          chunk.push(entry);
          chunkReadings += lines;
        }
        if (chunk.length > 0) writes.push(deps.writer.enqueue(chunk));
      }
      const written = Promise.all(writes).finally(() => {
        inFlight -= 1;
        slotFreed.wake();
      });
      ackChain = Promise.all([ackChain, written])
        .then(async () => {
          if (ackFailed) return; // acks go in read order: after a failed one, none may follow
          await ackUntilDone(batch);
          readNotAcked -= batch.records.length;
          deps.onAcked?.(batch.records.length);
        })
        .catch((error: unknown) => {
          // Nothing is lost: an unacknowledged batch is read again when the spool next opens.
          // An ack racing close() finds the spool closed, which is expected; anything else is not.
          ackFailed = true;
          if (isSpoolError(error) && error.code === 'WX_ERR_SPOOL_UNAVAILABLE') deps.log.debug({ code: error.code }, 'spool closed before a written batch was acknowledged; it is read again at the next start');
          else deps.log.error({ err: error }, 'a written batch could not be acknowledged; it and what follows are read again at the next start');
        });
    }
  }

  /**
   * An ack whose file write failed (EMFILE under a connection flood, ENOSPC) is tried again with
   * backoff until it is durable or the drainer stops: one failed write once stopped every later ack
   * for the run, so nothing was reclaimed, the spool filled and ingest stopped (red team 4).
   */
  async function ackUntilDone(batch: SpoolBatch): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await batch.ack();
      } catch (error) {
        if (stop.signal.aborted || (isSpoolError(error) && error.code === 'WX_ERR_SPOOL_UNAVAILABLE')) throw error;
        const waitMs = Math.min(ackRetryMaxMs, 100 * 2 ** attempt);
        if (attempt === 0 || waitMs === ackRetryMaxMs) deps.log.error({ code: 'WX_ERR_SPOOL_ACK_FAILED', err: error, attempt, retryInMs: waitMs }, 'a written batch could not be acknowledged: trying again');
        await Promise.race([delay(waitMs), aborted]);
      }
    }
  }

  return {
    start() {
      loop = run().catch((error: unknown) => deps.log.error({ err: error }, 'spool drainer stopped'));
    },
    async drain() {
      while (deps.spool.unacknowledgedRecords > 0 && !stop.signal.aborted && !ackFailed) await delay(10);
      await ackChain;
    },
    async close() {
      stop.abort();
      slotFreed.wake();
      await loop;
    },
  };
}
