import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { readingsIn, splitBlock, type BatchEntry } from './batch-entry.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { InfluxRequestError, type InfluxClient } from './influx-client.ts';
import { conflictReason, fieldConflictsIn, splitFields, type FieldConflict } from './field-conflict.ts';

/** Fields taken out of a line for a field type conflict, the line's other fields written. */
export interface RefusedFields {
  /** The entry as it came (its whole line; its family, device and hour). */
  readonly entry: BatchEntry;
  readonly conflicts: readonly FieldConflict[];
  /** The refused fields alone as a line: the same series and time, those fields only. */
  readonly line: string;
  /** One reason a conflict, each naming the field, its type and the type the database holds. */
  readonly reasons: readonly string[];
}

export interface WriterOptions {
  readonly client: InfluxClient;
  readonly concurrency: number;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Called with each poisoned line: one that InfluxDB refused with 4xx on its own. */
  readonly onRejected: (batch: readonly BatchEntry[], error: InfluxRequestError) => void;
  /**
   * Given, a line refused alone for a field type conflict is written without the conflicting
   * fields, which are handed here; a line left without fields still goes to onRejected whole.
   * Without it the line is refused whole (the alarm and event stores: a record missing a field
   * would be read back as another record).
   */
  readonly onFieldsRefused?: (refused: RefusedFields) => void;
  /**
   * Fields that are no value of the reading on their own (ingest's recv_lag_ms): a line that would
   * keep only these once its conflicting fields are out is refused whole, as one left without fields.
   */
  readonly fieldsNotAlone?: readonly string[];
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
  const notAlone = new Set(options.fieldsNotAlone ?? []);
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

  /** Writes a batch, retrying 5xx/429/network errors; resolves with InfluxDB's 4xx refusal, or null once written. */
  async function tryWrite(batch: BatchEntry[]): Promise<InfluxRequestError | null> {
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
        return null;
      } catch (error) {
        const failure = error instanceof InfluxRequestError ? error : new InfluxRequestError(String(error), { retryable: true, cause: error });
        options.metrics.writeFailures.inc({ code: failure.code });
        if (!failure.retryable) return failure;
        if (closed) throw failure;
        const wait = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        options.log.warn({ code: failure.code, attempt: attempt + 1, waitMs: Math.round(wait), readings: readingsIn(batch) }, failure.message);
        options.metrics.writeRetries.inc();
        await delay(wait, undefined, { signal: stopRetrying.signal }).catch(() => undefined);
      }
    }
  }

  async function writeWithRetry(batch: BatchEntry[]): Promise<void> {
    const refusal = await tryWrite(batch);
    if (refusal !== null) await isolatePoison(batch, refusal);
  }

  /**
   * A 4xx on a batch means some line is poisoned (a type conflict, a parse error): halve
   * the batch until the refused lines stand alone, quarantine them and write the rest.
   * Rewriting lines a partial write already stored is harmless: same series, same time.
   */
  async function isolatePoison(batch: BatchEntry[], failure: InfluxRequestError): Promise<void> {
    // A block of lines (a spool record passed through whole) is bisected line by line.
    if (batch.length === 1 && (batch[0]!.readings ?? 1) > 1) batch = splitBlock(batch[0]!);
    if (batch.length === 1) return options.onFieldsRefused ? writeAroundConflicts(batch[0]!, failure, options.onFieldsRefused) : options.onRejected(batch, failure);
    options.metrics.writeBisections.inc();
    const middle = Math.ceil(batch.length / 2);
    await writeWithRetry(batch.slice(0, middle));
    await writeWithRetry(batch.slice(middle));
  }

  /**
   * A line refused alone for a field type conflict (an outside writer, or an older schema, made
   * the field with another type): written without the conflicting fields, so that one field does
   * not cost a reading its others. InfluxDB 1.x names one conflict an answer, so fields are taken
   * out until the rest is written; when no field would be left, or the rest is refused for another
   * reason, the line is refused whole as before, with the last answer.
   */
  async function writeAroundConflicts(entry: BatchEntry, failure: InfluxRequestError, onFieldsRefused: (refused: RefusedFields) => void): Promise<void> {
    const conflicts: FieldConflict[] = [];
    let refusal = failure;
    for (;;) {
      const named = fieldConflictsIn(refusal.answer ?? refusal.message).filter((conflict) => !conflicts.some((known) => known.field === conflict.field));
      const split = named.length > 0 ? splitFields(entry.line, [...conflicts, ...named].map((conflict) => conflict.field)) : null;
      if (split === null) break;
      conflicts.push(...named);
      // A point of the receive lag alone is no reading: stored, it would be counted as one (the
      // wall's readings, the latest reading seeded at a restart) and the reading as written.
      if (split.keptKeys.every((key) => notAlone.has(key))) {
        const taken = conflicts.map((conflict) => `"${conflict.field}"`).join(', ');
        const alone = new InfluxRequestError(`${refusal.message.trim()} (the line is refused whole: without ${taken} it would hold only ${split.keptKeys.join(', ')}, no value of its own)`, { httpStatus: refusal.httpStatus, retryable: false, answer: refusal.answer, code: refusal.code });
        return options.onRejected([entry], alone);
      }
      const next = await tryWrite([{ ...entry, line: split.kept }]);
      if (next === null) {
        const reasons = conflicts.map((conflict) => conflictReason(conflict, split.measurement, split.keptFields));
        return onFieldsRefused({ entry, conflicts, line: split.refused, reasons });
      }
      refusal = next;
    }
    if (conflicts.length > 0) {
      const taken = conflicts.map((conflict) => `"${conflict.field}"`).join(', ');
      refusal = new InfluxRequestError(`${refusal.message.trim()} (InfluxDB had refused ${taken} of this line for a field type conflict first)`, { httpStatus: refusal.httpStatus, retryable: false, answer: refusal.answer, code: refusal.code });
    }
    options.onRejected([entry], refusal);
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
