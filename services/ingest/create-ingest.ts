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
import { createBatcher, type BatchEntry } from './batcher.ts';
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
}

export interface Ingest {
  /**
   * Takes one message; resolves once it is queued (waiting while the queue is full), never
   * throws for bad input. True when something of it was accepted, so it may be routed on.
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
}

/** parse → validate → normalise → Reading → batch → write, with every refusal counted. */
export function createIngest(deps: IngestDeps): Ingest {
  const { config, registry, topics, metrics, log } = deps;
  const now = deps.now ?? Date.now;
  const limits: ParseLimits = { ...config.ingest, maxPayloadBytes: config.mqtt.maxPayloadBytes };
  const deadLetter = createDeadLetterFile({ dir: join(config.dataDir, 'dead-letter'), ...config.deadLetter });
  const rejections = createRejectionLog({ metrics, log, deadLetter, maxPayloadBytes: config.deadLetter.maxPayloadBytes, now });
  const presence = createPresence(metrics);
  const stuck = createStuckDetector(config.ingest.stuckAfter, metrics);
  const accounting = createAccounting({ metrics, log, now });
  const writer = createInfluxWriter({
    client: deps.influx,
    concurrency: config.ingest.writeConcurrency,
    metrics,
    log,
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
  const accountingCheck = setInterval(() => accounting.check(), 60_000);
  accountingCheck.unref();
  const batcher = createBatcher({ ...config.ingest, onBatch: (batch) => writer.enqueue(batch) });
  const queued = () => batcher.buffered + writer.pending;
  metrics.setQueueDepthSource(queued);

  const readingEncoder = createReadingEncoder();
  const reject = (rejection: Rejection, context: RejectionContext): false => {
    rejections.record(rejection, context);
    return false;
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

  function handle(message: InboundMessage): boolean {
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
      const entry = encode(() => encodePoint(presence.update(device.id, device.family, state, message.receivedAtMs)), withDevice);
      if (entry) batcher.add([entry]);
      return entry !== null;
    }
    if (address.kind !== 'telemetry') return false;

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
    for (const reading of result.readings) {
      stuck.check(reading);
      deps.onReading?.(reading);
      const entry = encode(() => readingEncoder.encode(reading, device), withDevice, { family: device.family, device: device.id, hour });
      if (entry) {
        entries.push(entry);
        accounting.accepted(device.id, hour);
      }
    }
    batcher.add(entries);
    return entries.length > 0;
  }

  return {
    async accept(message) {
      const accepted = handle(message);
      // Backpressure: the acknowledgement waits while too much is unwritten.
      if (queued() >= config.ingest.maxQueuedReadings) await writer.whenBelow(config.ingest.maxQueuedReadings);
      return accepted;
    },
    async drain() {
      batcher.flush();
      await writer.drain();
    },
    get queuedReadings() {
      return queued();
    },
    rejections,
    presence,
    stuck,
    accounting,
    deadLetterPath: deadLetter.path,
    async close() {
      clearInterval(accountingCheck);
      batcher.close();
      await Promise.race([writer.drain(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      const lost = await writer.close();
      if (lost > 0) log.error({ readings: lost }, 'InfluxDB unreachable at shutdown: readings not written (the spool will keep them)');
      await deadLetter.close();
    },
  };
}
