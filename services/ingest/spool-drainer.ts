import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Spool } from '../spool/index.ts';
import type { BatchEntry } from '../storage/batch-entry.ts';
import type { BatchQueue } from '../storage/influx-writer.ts';

export interface SpoolDrainer {
  start(): void;
  /** Resolves once everything spooled so far is written (or quarantined) and acknowledged. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** A spool record is one message's entries, so that one fsync covers one device message. */
export const encodeRecord = (entries: readonly BatchEntry[]) => JSON.stringify(entries);
const decodeRecord = (record: string) => JSON.parse(record) as BatchEntry[];

/**
 * Reads the spool in order and hands batches to the writer, `concurrency` at a time;
 * acknowledges each batch to the spool only once it is written, and in read order, so
 * that a crash re-reads exactly what InfluxDB may not have. Small backlogs wait up to
 * `flushIntervalMs` to fill a batch.
 */
export function createSpoolDrainer(deps: { spool: Spool; writer: BatchQueue; batchSize: number; flushIntervalMs: number; concurrency: number; log: Logger }): SpoolDrainer {
  const stop = new AbortController();
  let readNotAcked = 0;
  let inFlight = 0;
  let ackChain: Promise<unknown> = Promise.resolve();
  let loop: Promise<void> | undefined;

  const aborted = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));

  // A record holds one message: one reading or a batch of hundreds. Reads are sized by the
  // entries seen per record so far, so that a read stays near batchSize entries.
  let entriesPerRecord = 50;
  const recordsPerRead = () => Math.max(1, Math.min(deps.batchSize, Math.floor(deps.batchSize / entriesPerRecord)));

  async function run(): Promise<void> {
    while (!stop.signal.aborted) {
      await Promise.race([deps.spool.whenReadable(), aborted]);
      if (stop.signal.aborted) return;
      if (deps.spool.unacknowledgedRecords - readNotAcked < recordsPerRead()) {
        await delay(deps.flushIntervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
      }
      while (inFlight >= deps.concurrency && !stop.signal.aborted) await delay(5);
      const batch = await deps.spool.read(recordsPerRead()).catch((error: unknown) => {
        deps.log.error({ err: error }, 'spool read failed');
        return null;
      });
      if (!batch) continue;
      const entries = batch.records.flatMap(decodeRecord);
      entriesPerRecord = Math.max(1, entries.length / batch.records.length);
      readNotAcked += batch.records.length;
      inFlight += 1;
      const chunks: BatchEntry[][] = [];
      for (let i = 0; i < entries.length; i += deps.batchSize) chunks.push(entries.slice(i, i + deps.batchSize));
      const written = Promise.all(chunks.map((chunk) => deps.writer.enqueue(chunk))).finally(() => (inFlight -= 1));
      ackChain = Promise.all([ackChain, written]).then(async () => {
        await batch.ack();
        readNotAcked -= batch.records.length;
      });
    }
  }

  return {
    start() {
      loop = run().catch((error: unknown) => deps.log.error({ err: error }, 'spool drainer stopped'));
    },
    async drain() {
      while (deps.spool.unacknowledgedRecords > 0 && !stop.signal.aborted) await delay(10);
      await ackChain;
    },
    async close() {
      stop.abort();
      await loop;
    },
  };
}
