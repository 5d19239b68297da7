import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { createInfluxWriter } from '../storage/influx-writer.ts';
import type { Topics } from '../topics.ts';
import { receiveLagField } from './to-point.ts';
import { createSpool, framedSize, isSpoolError, type Spool, type SpoolRecovery } from '../spool/index.ts';
import { createSpoolDrainer } from './spool-drainer.ts';
import { checkRecoveredInInflux, countRecovered, forgetRefused, type RecoverySamples } from './recovery-check.ts';
import { createDeadLetterFile } from './dead-letter.ts';
import type { ParseLimits } from './parse-telemetry.ts';
import { createPresence, type Presence } from './presence.ts';
import type { Reading, Rejection } from './reading.ts';
import { createRejectionLog, type RejectionContext, type RejectionLog } from './rejection-log.ts';
import { createStuckDetector, type StuckDetector } from './stuck-detector.ts';
import { createAccounting, type Accounting } from './accounting.ts';
import { createReadingEncoder } from './to-point.ts';
import { forEachWrittenDay } from './written-days.ts';

import { createMessageHandler, type Accepted, type InboundMessage } from './handle-message.ts';
import { createIngestWorkerPool, type IngestWorkerPool } from './worker-pool.ts';
import { createAppendBatcher } from './append-batcher.ts';
import { createPreparedIntake, type PreparedContext, type PreparedRecord } from './accept-prepared.ts';
import { createLineBudget } from '../log-budget.ts';

export type { InboundMessage } from './handle-message.ts';

export interface Ingest {
  /**
   * Takes one message; resolves once what it holds is durable in the spool (waiting at the
   * spool's quota), never throws for bad input. True when something of it was accepted, so
   * it may be routed on.
   */
  accept(message: InboundMessage): Promise<boolean>;
  /**
   * Another door's records (HJ 212 stations, issue 20): counted, refused and routed as a
   * message's readings are; resolves with the lines stored once they are durable in the spool.
   */
  acceptPrepared(records: readonly PreparedRecord[], context: PreparedContext): Promise<number>;
  /** Resolves once everything accepted so far has been written or refused. */
  drain(): Promise<void>;
  readonly queuedReadings: number;
  readonly rejections: RejectionLog;
  readonly presence: Presence;
  readonly stuck: StuckDetector;
  readonly accounting: Accounting;
  readonly deadLetterPath: string;
  readonly spool: Spool;
  /** The worker threads parsing telemetry; undefined with WX_INGEST_WORKERS=0. */
  readonly workers: IngestWorkerPool | undefined;
  /** Opens the spool (recovering what an earlier run left) and starts writing from it. */
  start(): Promise<SpoolRecovery>;
  close(): Promise<void>;
}

export interface IngestDeps {
  readonly config: Config;
  readonly registry: DeviceRegistry;
  readonly topics: Topics;
  readonly influx: InfluxClient;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => number;
  /** Told of every reading accepted (the rollups mark the windows it touches). */
  readonly onReading?: (reading: Reading, message?: InboundMessage) => void; // no message: another door (HJ 212)
  /**
   * Told once a batch is written of each family and Beijing day its readings fall on (written-days.ts):
   * the rollups read InfluxDB, so a day is due again once its readings are there, those an earlier run
   * left in the spool included.
   */
  readonly onReadingsWritten?: (family: string, timeMs: number) => void;
  /**
   * The oldest reading taken, as an age in ms, asked at each reading: config.ingest.maxAgeMs unless
   * an admin opened a backfill window (services/ingest/backfill-window.ts, issue 19 item 3).
   */
  readonly maxAgeMs?: () => number;
  /** Told of every refusal recorded, the broker's included (the device is told why: refusal-feedback.ts). */
  readonly onRejection?: (rejection: Rejection, context: RejectionContext) => void;
}

/** Ingest worker threads when WX_INGEST_WORKERS is unset: the cores − 1 on 4 cores or more, none below (issue 26; why: below). */
export const defaultIngestWorkers = (cores: number): number => (cores >= 4 ? cores - 1 : 0);

/** parse → validate → normalise → Reading → spool → batch → write, with every refusal counted. */
export function createIngest(deps: IngestDeps): Ingest {
  const { config, registry, topics, metrics, log } = deps;
  const now = deps.now ?? Date.now;
  const limits: ParseLimits = { ...config.ingest, maxPayloadBytes: config.mqtt.maxPayloadBytes };
  // The window's age limit holds for the history tools' messages alone (handle-message.ts).
  const historyLimits: ParseLimits = { ...limits };
  const { maxAgeMs } = deps;
  if (maxAgeMs) Object.defineProperty(historyLimits, 'maxAgeMs', { get: maxAgeMs, enumerable: true });
  // A record that cannot be written (a full disk) is lost, said once a minute; the platform goes on (red team 11: it exited).
  const deadLetterFailureLines = createLineBudget(1, now);
  const deadLetter = createDeadLetterFile({
    dir: join(config.dataDir, 'dead-letter'),
    ...config.deadLetter,
    onError: (error) => {
      metrics.deadLetterWriteFailures.inc();
      const said = deadLetterFailureLines.say('dead-letter');
      if (said !== null) log.error({ code: 'WX_ERR_FILE', err: error, ...(said > 0 ? { failuresNotSaid: said } : {}) }, 'dead-letter record not written: the refusal is counted, its record lost (said once a minute)');
    },
  });
  const rejections = createRejectionLog({ metrics, log, deadLetter, maxPayloadBytes: config.deadLetter.maxPayloadBytes, budget: config.deadLetter, now, onRecord: deps.onRejection });
  let refusalSummary: NodeJS.Timeout | undefined;
  const presence = createPresence(metrics);
  const stuck = createStuckDetector(config.ingest.stuckAfter, metrics);
  const accounting = createAccounting({ metrics, log, now });
  // Fields ingest adds to every reading, which no device sends.
  const platformFields = [receiveLagField];
  const platformConflictLines = createLineBudget(1, now);
  const writer = createInfluxWriter({
    client: deps.influx,
    concurrency: config.ingest.writeConcurrency,
    metrics,
    log,
    retry: { baseDelayMs: 200, maxDelayMs: config.ingest.retryMaxDelayMs },
    onRejected: (batch, error) => {
      for (const entry of batch) {
        rejections.record({ code: error.code, message: error.message, readings: 1 }, { device: entry.device, payload: Buffer.from(entry.line) });
        if (entry.device !== undefined && entry.hour !== undefined) accounting.quarantined(entry.device, entry.hour, error.code);
        // Refused and counted: a line an earlier run left is then not looked for in InfluxDB (a gap it is not).
        forgetRefused(samples, entry.device, entry.line);
      }
    },
    // The line was written without its conflicting fields (onWritten counts it). Each refused field
    // counts as one reading received and rejected, as an HJ 212 station's refused value does
    // (accept-prepared.ts), so received = written + rejected + pending holds per device and hour.
    // The receive lag is the platform's field, not a value the device sent: its conflict is no
    // reading refused and nothing to tell the device, but the operator's to mend (said once a minute).
    onFieldsRefused: ({ entry, line, conflicts, reasons }) => {
      const code = 'WX_ERR_FIELD_TYPE_CONFLICT';
      const devices = reasons.filter((_, i) => !platformFields.includes(conflicts[i]!.field));
      if (devices.length < reasons.length) {
        const said = platformConflictLines.say(entry.family ?? '');
        if (said !== null) log.error({ code, family: entry.family, device: entry.device, reasons: reasons.filter((reason) => !devices.includes(reason)), ...(said > 0 ? { notSaid: said } : {}) }, 'the platform\'s own field conflicts in InfluxDB (another writer made it with another type): written without it; the readings are kept (said once a minute a family)');
      }
      if (devices.length === 0) return;
      rejections.recordMessage(devices.map((message) => ({ code, message, readings: 1 })), { device: entry.device, payload: Buffer.from(line) });
      if (entry.family !== undefined) metrics.readingsReceived.inc({ family: entry.family }, devices.length);
      if (entry.device !== undefined && entry.hour !== undefined) {
        accounting.received(entry.device, entry.hour, devices.length);
        accounting.rejected(entry.device, entry.hour, code, devices.length);
      }
    },
    // The receive lag is the platform's, not the device's: a reading left with it alone is refused whole.
    fieldsNotAlone: platformFields,
    onWritten: (batch) => {
      if (deps.onReadingsWritten) forEachWrittenDay(batch, deps.onReadingsWritten);
      // Entries come in runs of one device and hour (a message's readings): one count per run.
      let run = 0;
      for (let i = 0; i < batch.length; i += 1) {
        const entry = batch[i]!;
        run += entry.readings ?? 1;
        const next = batch[i + 1];
        if (next !== undefined && next.device === entry.device && next.hour === entry.hour) continue;
        if (entry.device !== undefined && entry.hour !== undefined) accounting.written(entry.device, entry.hour, run);
        run = 0;
      }
    },
  });
  let accountingCheck: NodeJS.Timeout | undefined;
  const spool = createSpool({ dir: join(config.dataDir, 'spool'), ...config.spool });
  // Accounting across a restart: once the records an earlier run left are written, look them up.
  let recoveredLeft = 0;
  let samples: RecoverySamples | undefined;
  let recoveryCheck: Promise<void> | undefined;
  const onAcked = (records: number) => {
    if (recoveredLeft <= 0) return;
    recoveredLeft -= records;
    if (recoveredLeft <= 0 && samples) {
      recoveryCheck = checkRecoveredInInflux({ influx: deps.influx, accounting, log }, samples).catch((error: unknown) => log.error({ err: error }, 'spool recovery check failed'));
    }
  };
  const drainer = createSpoolDrainer({ spool, writer, batchSize: config.ingest.batchSize, flushIntervalMs: config.ingest.flushIntervalMs, concurrency: config.ingest.writeConcurrency, log, onAcked, quotaBytes: config.spool.maxBytes });
  metrics.setQueueDepthSource(() => accounting.pendingTotal());
  metrics.setSpoolSource(() => ({ bytes: spool.usedBytes, records: spool.unacknowledgedRecords }));

  /**
   * Durable before acknowledged: the entries are fsynced into the spool before the broker
   * sends the PUBACK. At the disk quota the append waits for room, so the acknowledgement
   * waits and devices slow down (their in-flight window fills); nothing is dropped.
   */
  async function spoolRecord(record: string): Promise<void> {
    for (;;) {
      try {
        return await spool.append([record]);
      } catch (error) {
        if (!isSpoolError(error) || error.code !== 'WX_ERR_SPOOL_FULL') throw error;
        metrics.spoolFullWaits.inc();
        await spool.waitForSpace(framedSize([record]));
      }
    }
  }

  // Issue 26, item 1: telemetry parsed in WX_INGEST_WORKERS worker threads. Unset, the cores − 1 on
  // a machine of 4 cores or more; on fewer, none: on this 2-core machine a worker cost more CPU a
  // message than it saved (readings cloned back for alarms and the live view) and had no idle core
  // to use (docs/performance.md), so the broker's thread keeps the work there.
  const workerCount = config.ingest.workers ?? defaultIngestWorkers(availableParallelism());
  const workers = workerCount > 0 ? createIngestWorkerPool({ size: workerCount, limits, log }) : undefined;
  const handle = createMessageHandler({
    registry, topics, metrics, log, limits, historyLimits, rejections, presence, stuck, accounting, encoder: createReadingEncoder(), onReading: deps.onReading,
    ...(workers ? { offload: workers.parse } : {}),
  });
  const store = (accepted: Accepted | null): Promise<boolean> => {
    if (accepted === null) return refused;
    const { record } = accepted;
    return batcher.add(record).then(appended, async (error: unknown) => {
      if (!isSpoolError(error) || error.code !== 'WX_ERR_SPOOL_FULL') throw error;
      await spoolRecord(record);
      return true;
    });
  };

  // The common case: the record joins this turn's append (append-batcher.ts), then true. When
  // that append finds the spool full (WX_ERR_SPOOL_FULL), each of its records waits for room
  // and is appended on its own, as it would have been without the batch.
  const refused = Promise.resolve(false);
  const appended = () => true;
  const batcher = createAppendBatcher((records) => spool.append(records));
  const acceptPrepared = createPreparedIntake({
    accounting, rejections, presence, stuck, metrics, onReading: deps.onReading,
    append: (record) => batcher.add(record).catch(async (error: unknown) => {
      if (!isSpoolError(error) || error.code !== 'WX_ERR_SPOOL_FULL') throw error;
      await spoolRecord(record);
    }),
  });
  return {
    acceptPrepared,
    accept(message) {
      let accepted: ReturnType<typeof handle>;
      try {
        accepted = handle(message);
      } catch (error) {
        return Promise.reject(error); // as the async accept did: callers see a rejection, never a throw
      }
      return accepted instanceof Promise ? accepted.then(store) : store(accepted);
    },
    workers,
    drain: () => drainer.drain(),
    get queuedReadings() {
      return accounting.pendingTotal();
    },
    rejections,
    presence,
    stuck,
    accounting,
    deadLetterPath: deadLetter.path,
    spool,
    async start() {
      await workers?.start();
      const recovery = await spool.open();
      metrics.spoolRecovered.inc(recovery.records);
      metrics.spoolCut.inc({ kind: 'torn_tail' }, recovery.tornTails);
      metrics.spoolCut.inc({ kind: 'corrupt_record' }, recovery.corruptRecords);
      if (recovery.tornTails || recovery.corruptRecords) log.error({ code: 'WX_ERR_SPOOL_CORRUPT', ...recovery }, 'spool damage cut at recovery; the intact records (movedRecords of them from after the damage) will be written');
      else if (recovery.records) log.info(recovery, 'spool recovered: writing what the last run left');
      if (recovery.records > 0) {
        samples = await countRecovered(spool, accounting);
        recoveredLeft = recovery.records;
      }
      drainer.start();
      accountingCheck = setInterval(() => accounting.check(), 60_000);
      accountingCheck.unref();
      refusalSummary = setInterval(() => rejections.summarize(), config.deadLetter.summaryIntervalMs);
      refusalSummary.unref();
      return recovery;
    },
    async close() {
      clearInterval(accountingCheck);
      clearInterval(refusalSummary);
      rejections.summarize();
      await workers?.close();
      // Everything acknowledged is in the spool: write what can be written in a few seconds,
      // leave the rest on disk for the next start.
      await Promise.race([drainer.drain(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await drainer.close();
      await recoveryCheck;
      const unwritten = await writer.close();
      if (unwritten > 0) log.warn({ readings: unwritten }, 'InfluxDB did not take everything before shutdown; the spool keeps it for the next start');
      await spool.close();
      await deadLetter.close();
    },
  };
}
