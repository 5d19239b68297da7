import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { readingsIn, splitBlock, type BatchEntry } from './batch-entry.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { InfluxRequestError, type InfluxClient } from './influx-client.ts';

export interface WriterOptions {
  readonly client: InfluxClient;
  readonly concurrency: number;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Called with each poisoned line: one that InfluxDB refused with 4xx on its own. */
  readonly onRejected: (batch: readonly BatchEntry[], error: InfluxRequestError) => void;
  /** Called with each batch once InfluxDB has stored it. */
  readonly onWritten?: (batch: readonly BatchEntry[]) => void;
  readonly retry?: { baseDelayMs: number; maxDelayMs: number };
  /** What keeps a batch left unwritten at shutdown, for the log line: the spool (readings) or a store's journal. */
  readonly keptBy?: string;
}

/** The writer as the spool's drainer sees it: batches in, a promise per batch out. */
export interface BatchQueue {
  /** Queues a batch; resolves once it is written, or its poisoned lines quarantined. */
  enqueue(batch: BatchEntry[]): Promise<void>;
  /** Readings queued or in flight. */
  readonly pending: number;
  /** Resolves once fewer than `limit` readings are pending. */
  whenBelow(limit: number): Promise<void>;
  /** Resolves once everything queued has been written or refused. */
  drain(): Promise<void>;
  /** Stops retrying; batches still unwritten are reported and returned. */
  close(): Promise<number>;
}

/** Calls `count` once per run of consecutive entries of one family: a batch is a few runs, not thousands of counter updates. */
function countPerFamily(batch: readonly BatchEntry[], count: (family: string, readings: number) => void): void {
  let family: string | undefined;
  let run = 0;
  for (const entry of batch) {
    if (entry.family === family) {
      run += entry.readings ?? 1;
      continue;
    }
    if (family !== undefined) count(family, run);
    family = entry.family;
    run = entry.readings ?? 1;
  }
  if (family !== undefined) count(family, run);
}

/** Writes batches to InfluxDB, `concurrency` at a time, retrying 5xx/429/network errors with backoff. */
export function createInfluxWriter(options: WriterOptions): BatchQueue {
  const { baseDelayMs, maxDelayMs } = options.retry ?? { baseDelayMs: 200, maxDelayMs: 30_000 };
  const queue: Array<{ batch: BatchEntry[]; readings: number; done: () => void }> = [];
  let inFlight = 0;
  let pending = 0;
  let closed = false;
  const stopRetrying = new AbortController();
  const waiters: Array<{ limit: number; resolve: () => void }> = [];

  function settle(): void {
    for (let i = waiters.length - 1; i >= 0; i -= 1) {
      if (pending < waiters[i]!.limit) waiters.splice(i, 1)[0]!.resolve();
    }
  }

  async function writeWithRetry(batch: BatchEntry[]): Promise<void> {
    // The lines as they are: the client encodes them into the request body, joined by line breaks.
    const body = batch.map((entry) => entry.line);
    const started = performance.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await options.client.write(body);
        options.metrics.writeLatency.observe((performance.now() - started) / 1_000);
        options.metrics.batchSize.observe(readingsIn(batch));
        countPerFamily(batch, (family, readings) => options.metrics.readingsWritten.inc({ family }, readings));
        options.onWritten?.(batch);
        return;
      } catch (error) {
        const failure = error instanceof InfluxRequestError ? error : new InfluxRequestError(String(error), { retryable: true, cause: error });
        options.metrics.writeFailures.inc({ code: failure.code });
        if (!failure.retryable) return isolatePoison(batch, failure);
        if (closed) throw failure;
        const wait = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        options.log.warn({ code: failure.code, attempt: attempt + 1, waitMs: Math.round(wait), readings: readingsIn(batch) }, failure.message);
        options.metrics.writeRetries.inc();
        await delay(wait, undefined, { signal: stopRetrying.signal }).catch(() => undefined);
      }
    }
  }

  /**
   * A 4xx on a batch means some line is poisoned (a type conflict, a parse error): halve
   * the batch until the refused lines stand alone, quarantine them and write the rest.
   * Rewriting lines a partial write already stored is harmless: same series, same time.
   */
  async function isolatePoison(batch: BatchEntry[], failure: InfluxRequestError): Promise<void> {
    // A block of lines (a spool record passed through whole) is bisected line by line.
    if (batch.length === 1 && (batch[0]!.readings ?? 1) > 1) batch = splitBlock(batch[0]!);
    if (batch.length === 1) return options.onRejected(batch, failure);
    options.metrics.writeBisections.inc();
    const middle = Math.ceil(batch.length / 2);
    await writeWithRetry(batch.slice(0, middle));
    await writeWithRetry(batch.slice(middle));
  }

  function pump(): void {
    while (inFlight < options.concurrency && queue.length > 0) {
      const { batch, readings, done } = queue.shift()!;
      inFlight += 1;
      writeWithRetry(batch)
        .then(done, (error: unknown) => options.log.warn({ readings, err: error }, `batch left unwritten at shutdown; ${options.keptBy ?? 'the spool'} keeps it`))
        .finally(() => {
          inFlight -= 1;
          pending -= readings;
          settle();
          pump();
        });
    }
  }

  return {
    get pending() {
      return pending;
    },
    enqueue(batch) {
      const readings = readingsIn(batch);
      pending += readings;
      return new Promise<void>((done) => {
        queue.push({ batch, readings, done });
        pump();
      });
    },
    whenBelow(limit) {
      if (pending < limit) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ limit, resolve }));
    },
    drain() {
      return this.whenBelow(1);
    },
    async close() {
      closed = true;
      stopRetrying.abort();
      const unwritten = queue.reduce((sum, { readings }) => sum + readings, 0);
      queue.length = 0;
      pending -= unwritten;
      settle();
      return unwritten;
    },
  };
}
