import type { Logger } from 'pino';
import { isWanxiangError } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { encodePoint } from '../storage/line-protocol.ts';
import type { Topics } from '../topics.ts';
import { hourOf, type Accounting } from './accounting.ts';
import type { ParseLimits } from './parse-telemetry.ts';
import { parseDeviceState, type Presence } from './presence.ts';
import type { Reading, Rejection } from './reading.ts';
import type { RejectionContext, RejectionLog } from './rejection-log.ts';
import { createTurnTally } from './turn-tally.ts';
import { encodeLines } from './spool-record.ts';
import type { StuckDetector } from './stuck-detector.ts';
import { createTopicCache } from './topic-cache.ts';
import { createHeaderCache, telemetryRecord, type TelemetryOutcome } from './telemetry-record.ts';
import type { ReadingEncoder } from './to-point.ts';

/** A message as the broker (or, split out, an MQTT subscription) hands it over. */
export interface InboundMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly receivedAtMs: number;
  /** The broker's session it came on: presence follows live sessions (issue 13, item 11). */
  readonly session?: string;
  /** Sent by a replay or backfill, as its credential says (secrets.ts historyToolSecret): no live alarm. */
  readonly history?: boolean;
}

/** What of a message goes to the spool: one record, and how many readings it carries. */
export interface Accepted {
  readonly record: string;
  readonly readings: number;
}

export interface MessageHandlerDeps {
  readonly registry: DeviceRegistry;
  readonly topics: Topics;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Limits of live telemetry (config.ingest), and of the history tools' (a backfill window's age limit while one is open). */
  readonly limits: ParseLimits;
  readonly historyLimits?: ParseLimits;
  readonly rejections: RejectionLog;
  readonly presence: Presence;
  readonly stuck: StuckDetector;
  readonly accounting: Accounting;
  readonly encoder: ReadingEncoder;
  readonly onReading?: (reading: Reading, message: InboundMessage) => void;
  /**
   * Parses, validates and encodes a telemetry message elsewhere (an ingest worker, issue 26):
   * the outcome is counted here, on the broker's thread, exactly as an in-thread one.
   */
  readonly offload?: (message: InboundMessage, device: DeviceRecord) => Promise<TelemetryOutcome>;
}

/**
 * The per-message path, apart from the wiring: topic → device → parse and validate →
 * line protocol, every refusal counted and every reading accounted for. Returns the spool
 * record of what was accepted, or null when nothing was (a promise of it when the telemetry
 * is parsed by an ingest worker).
 */
export function createMessageHandler(deps: MessageHandlerDeps): (message: InboundMessage) => Accepted | null | Promise<Accepted | null> {
  const { registry, topics, metrics, rejections, accounting, encoder } = deps;
  // Readings received, per family: handed to prom-client once a turn (turn-tally.ts).
  const countReceived = createTurnTally(metrics.readingsReceived, 'family');
  const reject = (rejection: Rejection, context: RejectionContext): null => {
    rejections.record(rejection, context);
    return null;
  };
  // The refusal's context, built only when something is refused: most messages are not.
  const contextOf = (message: InboundMessage, device: string): RejectionContext => ({ topic: message.topic, payload: message.payload, device });
  const topicOf = createTopicCache(topics);
  const headerOf = createHeaderCache();

  function status(message: InboundMessage, device: DeviceRecord): Accepted | null {
    const context = contextOf(message, device.id);
    const state = parseDeviceState(message.payload);
    if (!state) return reject({ code: 'WX_ERR_BAD_STATUS', message: 'status must be online or offline', readings: 1 }, context);
    const point = deps.presence.update(device.id, device.family, state, message.receivedAtMs, message.session);
    if (!point) return null; // a superseded 'offline' (another session lives): neither stored nor routed
    try {
      return { record: encodeLines({}, [encodePoint(point)]), readings: 0 };
    } catch (error) {
      if (!isWanxiangError(error)) throw error;
      return reject({ code: error.code, message: error.message, readings: 1 }, context);
    }
  }

  /** Counts and routes what a telemetry message became, whichever thread parsed it (telemetry-record.ts). */
  function account(message: InboundMessage, device: DeviceRecord, outcome: TelemetryOutcome): Accepted | null {
    const hour = hourOf(message.receivedAtMs);
    countReceived(device.family, outcome.received);
    accounting.received(device.id, hour, outcome.received);
    if (outcome.rejections.length > 0) {
      // One record and one warn line for the message, naming its every problem (issue 18, item 10).
      rejections.recordMessage(outcome.rejections, contextOf(message, device.id));
      for (const rejection of outcome.rejections) accounting.rejected(device.id, hour, rejection.code, rejection.readings);
    }
    if (outcome.readings.length === 0) return null;
    deps.presence.seen(device.id); // a reading is evidence of life
    for (const reading of outcome.readings) {
      deps.stuck.check(reading);
      deps.onReading?.(reading, message);
    }
    for (const refusal of outcome.unencodable) {
      reject(refusal, contextOf(message, device.id));
      accounting.rejected(device.id, hour, refusal.code, 1);
    }
    if (outcome.record === null) return null;
    accounting.accepted(device.id, hour, outcome.lines);
    return { record: outcome.record, readings: outcome.lines };
  }

  // With ingest workers, a device's telemetry comes back later while its status is handled here at
  // once: a status would reach the spool before telemetry sent earlier. So a status waits for the
  // device's telemetry still with a worker, and from then on each message of that device waits for
  // the one before it, until the chain has settled (telemetry alone keeps its order in its worker).
  const withWorker = new Map<string, Promise<unknown>>();
  const chained = new Map<string, Promise<unknown>>();
  function remember(map: Map<string, Promise<unknown>>, id: string, promise: Promise<unknown>): void {
    map.set(id, promise);
    const forget = () => {
      if (map.get(id) === promise) map.delete(id);
    };
    promise.then(forget, forget);
  }

  function telemetry(message: InboundMessage, device: DeviceRecord): Accepted | null | Promise<Accepted | null> {
    // A backfill window lifts the age limit for the history tools' sessions only: a live device
    // rewrote months-old points of its own while one was open (red team 10). They are parsed here,
    // with the window's limits; the workers parse live telemetry with the configured ones.
    if (message.history && deps.historyLimits) return account(message, device, telemetryRecord(device, message.payload, message.receivedAtMs, deps.historyLimits, encoder, headerOf));
    if (deps.offload) {
      const parsed = deps.offload(message, device);
      const before = chained.get(device.id);
      const done = before
        ? Promise.all([parsed, before.catch(() => undefined)]).then(([outcome]) => account(message, device, outcome))
        : parsed.then((outcome) => account(message, device, outcome));
      remember(withWorker, device.id, done);
      if (before) remember(chained, device.id, done);
      return done;
    }
    return account(message, device, telemetryRecord(device, message.payload, message.receivedAtMs, deps.limits, encoder, headerOf));
  }

  function statusInOrder(message: InboundMessage, device: DeviceRecord): Accepted | null | Promise<Accepted | null> {
    const before = chained.get(device.id) ?? withWorker.get(device.id);
    if (!before) return status(message, device);
    const next = () => status(message, device);
    const done = before.then(next, next);
    remember(chained, device.id, done);
    return done;
  }

  return (message) => {
    const address = topicOf(message.topic);
    if (!address) return reject({ code: 'WX_ERR_BAD_TOPIC', message: `topic ${JSON.stringify(message.topic)} is not a Wanxiang topic`, readings: 1 }, { topic: message.topic, payload: message.payload });
    const device = registry.device(address.deviceId);
    if (!device) return reject({ code: 'WX_ERR_UNKNOWN_DEVICE', message: `device ${address.deviceId} is not registered`, readings: 1 }, contextOf(message, address.deviceId));
    if (device.family !== address.family) {
      return reject({ code: 'WX_ERR_FAMILY_MISMATCH', message: `device ${device.id} is ${device.family}, topic says ${address.family}`, readings: 1 }, contextOf(message, address.deviceId));
    }
    // The embedded broker refuses a disabled device at PUBLISH; behind an external broker (mosquitto's
    // files exported before the disable, EMQX) this is the only place that can (red team 9).
    // Its 'offline' is let through: the platform says it when it closes the device's sessions.
    if (device.disabled && (address.kind === 'telemetry' || (address.kind === 'status' && parseDeviceState(message.payload) !== 'offline'))) {
      return reject({ code: 'WX_ERR_DEVICE_DISABLED', message: `device ${device.id} is disabled in the registry`, readings: 1 }, contextOf(message, address.deviceId));
    }
    if (address.kind === 'status') return statusInOrder(message, device);
    if (address.kind !== 'telemetry') return null;
    return telemetry(message, device);
  };
}
