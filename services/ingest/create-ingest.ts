import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { isWanxiangError } from '../errors.ts';
import { getFamily } from '../families/index.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { createInfluxWriter } from '../storage/influx-writer.ts';
import { encodePoint } from '../storage/line-protocol.ts';
import type { Topics } from '../topics.ts';
import type { BatchEntry } from '../storage/batch-entry.ts';
import { createSpool, framedSize, isSpoolError, type Spool, type SpoolRecovery } from '../spool/index.ts';
import { createSpoolDrainer, encodeRecord } from './spool-drainer.ts';
import { createDeadLetterFile } from './dead-letter.ts';
import { parseTelemetry, type ParseLimits } from './parse-telemetry.ts';
import { createPresence, parseDeviceState, type Presence } from './presence.ts';
import type { Reading, Rejection } from './reading.ts';
import { createRejectionLog, type RejectionContext, type RejectionLog } from './rejection-log.ts';
import { createStuckDetector, type StuckDetector } from './stuck-detector.ts';
import { createAccounting, hourOf, type Accounting } from './accounting.ts';
import { createReadingEncoder } from './to-point.ts';

/** A message as the broker (or, split out, an MQTT subscription) hands it over. */
export interface InboundMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly receivedAtMs: number;
  /** The broker's session it came on: presence follows live sessions (issue 13, item 11). */
  readonly session?: string;
}

export interface Ingest {
  /**
   * Takes one message; resolves once what it holds is durable in the spool (waiting at the
   * spool's quota), never throws for bad input. True when something of it was accepted, so
   * it may be routed on.
   */
  accept(message: InboundMessage): Promise<boolean>;
  /** Resolves once everything accepted so far has been written or refused. */
  drain(): Promise<void>;
  readonly queuedReadings: number;
  readonly rejections: RejectionLog;
  readonly presence: Presence;
  readonly stuck: StuckDetector;
  readonly accounting: Accounting;
  readonly deadLetterPath: string;
  readonly spool: Spool;
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
  readonly onReading?: (reading: Reading) => void;
  /** Told of every refusal recorded, the broker's included (the device is told why: refusal-feedback.ts). */
  readonly onRejection?: (rejection: Rejection, context: RejectionContext) => void;
}

/** parse → validate → normalise → Reading → spool → batch → write, with every refusal counted. */
export function createIngest(deps: IngestDeps): Ingest {
  const { config, registry, topics, metrics, log } = deps;
  const now = deps.now ?? Date.now;
  const limits: ParseLimits = { ...config.ingest, maxPayloadBytes: config.mqtt.maxPayloadBytes };
  const deadLetter = createDeadLetterFile({ dir: join(config.dataDir, 'dead-letter'), ...config.deadLetter });
  const rejections = createRejectionLog({ metrics, log, deadLetter, maxPayloadBytes: config.deadLetter.maxPayloadBytes, now, onRecord: deps.onRejection });
  const presence = createPresence(metrics);
  const stuck = createStuckDetector(config.ingest.stuckAfter, metrics);
  const accounting = createAccounting({ metrics, log, now });
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
      }
    },
    onWritten: (batch) => {
      for (const entry of batch) if (entry.device !== undefined && entry.hour !== undefined) accounting.written(entry.device, entry.hour);
    },
  });
  let accountingCheck: NodeJS.Timeout | undefined;
  const spool = createSpool({ dir: join(config.dataDir, 'spool'), ...config.spool });
  const drainer = createSpoolDrainer({ spool, writer, batchSize: config.ingest.batchSize, flushIntervalMs: config.ingest.flushIntervalMs, concurrency: config.ingest.writeConcurrency, log });
  metrics.setQueueDepthSource(() => accounting.pendingTotal());
  metrics.setSpoolSource(() => ({ bytes: spool.usedBytes, records: spool.unacknowledgedRecords }));

  /**
   * Durable before acknowledged: the entries are fsynced into the spool before the broker
   * sends the PUBACK. At the disk quota the append waits for room, so the acknowledgement
   * waits and devices slow down (their in-flight window fills); nothing is dropped.
   */
  async function spoolEntries(entries: readonly BatchEntry[]): Promise<void> {
    const record = encodeRecord(entries);
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

  const readingEncoder = createReadingEncoder();
  const reject = (rejection: Rejection, context: RejectionContext): BatchEntry[] => {
    rejections.record(rejection, context);
    return [];
  };

  /** An encoded entry; a reading's entry carries its family, device and hour for the counts. */
  function encode(toLine: () => string, context: RejectionContext, reading?: { family: string; device: string; hour: number }): BatchEntry | null {
    try {
      const line = toLine();
      return reading ? { ...reading, line } : { line };
    } catch (error) {
      if (!isWanxiangError(error)) throw error;
      reject({ code: error.code, message: error.message, readings: 1 }, context);
      if (reading) accounting.rejected(reading.device, reading.hour, error.code, 1);
      return null;
    }
  }

  /** The message's entries for the spool, its refusals counted; empty when nothing of it is accepted. */
  function handle(message: InboundMessage): BatchEntry[] {
    const context: RejectionContext = { topic: message.topic, payload: message.payload };
    const address = topics.parse(message.topic);
    if (!address) return reject({ code: 'WX_ERR_BAD_TOPIC', message: `topic ${JSON.stringify(message.topic)} is not a Wanxiang topic`, readings: 1 }, context);
    const device = registry.device(address.deviceId);
    const withDevice = { ...context, device: address.deviceId };
    if (!device) return reject({ code: 'WX_ERR_UNKNOWN_DEVICE', message: `device ${address.deviceId} is not registered`, readings: 1 }, withDevice);
    if (device.family !== address.family) {
      return reject({ code: 'WX_ERR_FAMILY_MISMATCH', message: `device ${device.id} is ${device.family}, topic says ${address.family}`, readings: 1 }, withDevice);
    }
    if (address.kind === 'status') {
      const state = parseDeviceState(message.payload);
      if (!state) return reject({ code: 'WX_ERR_BAD_STATUS', message: 'status must be online or offline', readings: 1 }, withDevice);
      const point = presence.update(device.id, device.family, state, message.receivedAtMs, message.session);
      if (!point) return []; // a superseded 'offline' (another session lives): neither stored nor routed
      const entry = encode(() => encodePoint(point), withDevice);
      return entry ? [entry] : [];
    }
    if (address.kind !== 'telemetry') return [];

    const result = parseTelemetry({ family: getFamily(device.family), deviceId: device.id, payload: message.payload, receivedAtMs: message.receivedAtMs }, limits);
    const received = result.readings.length + result.rejections.reduce((sum, r) => sum + r.readings, 0);
    const hour = hourOf(message.receivedAtMs);
    metrics.readingsReceived.inc({ family: device.family }, received);
    accounting.received(device.id, hour, received);
    for (const rejection of result.rejections) {
      reject(rejection, withDevice);
      accounting.rejected(device.id, hour, rejection.code, rejection.readings);
    }
    const entries: BatchEntry[] = [];
    if (result.readings.length > 0) presence.seen(device.id);
    for (const reading of result.readings) {
      stuck.check(reading);
      deps.onReading?.(reading);
      const entry = encode(() => readingEncoder.encode(reading, device), withDevice, { family: device.family, device: device.id, hour });
      if (entry) {
        entries.push(entry);
        accounting.accepted(device.id, hour);
      }
    }
    return entries;
  }

  return {
    async accept(message) {
      const entries = handle(message);
      if (entries.length === 0) return false;
      await spoolEntries(entries);
      return true;
    },
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
      const recovery = await spool.open();
      metrics.spoolRecovered.inc(recovery.records);
      metrics.spoolCut.inc({ kind: 'torn_tail' }, recovery.tornTails);
      metrics.spoolCut.inc({ kind: 'corrupt_record' }, recovery.corruptRecords);
      if (recovery.tornTails || recovery.corruptRecords) log.error({ code: 'WX_ERR_SPOOL_CORRUPT', ...recovery }, 'spool damage cut at recovery; the good records will be written');
      else if (recovery.records) log.info(recovery, 'spool recovered: writing what the last run left');
      drainer.start();
      accountingCheck = setInterval(() => accounting.check(), 60_000);
      accountingCheck.unref();
      return recovery;
    },
    async close() {
      clearInterval(accountingCheck);
      // Everything acknowledged is in the spool: write what can be written in a few seconds,
      // leave the rest on disk for the next start.
      await Promise.race([drainer.drain(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await drainer.close();
      const unwritten = await writer.close();
      if (unwritten > 0) log.warn({ readings: unwritten }, 'InfluxDB did not take everything before shutdown; the spool keeps it for the next start');
      await spool.close();
      await deadLetter.close();
    },
  };
}
