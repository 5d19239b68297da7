import type { Logger } from 'pino';
import { isWanxiangError } from '../errors.ts';
import { getFamily } from '../families/index.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { encodePoint } from '../storage/line-protocol.ts';
import type { Topics } from '../topics.ts';
import { hourOf, type Accounting } from './accounting.ts';
import { parseTelemetry, type ParseLimits } from './parse-telemetry.ts';
import { parseDeviceState, type Presence } from './presence.ts';
import type { Reading, Rejection } from './reading.ts';
import type { RejectionContext, RejectionLog } from './rejection-log.ts';
import { encodeLines, recordHeader } from './spool-record.ts';
import type { StuckDetector } from './stuck-detector.ts';
import { createTopicCache } from './topic-cache.ts';
import type { ReadingEncoder } from './to-point.ts';

/** A message as the broker (or, split out, an MQTT subscription) hands it over. */
export interface InboundMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly receivedAtMs: number;
  /** The broker's session it came on: presence follows live sessions (issue 13, item 11). */
  readonly session?: string;
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
  readonly limits: ParseLimits;
  readonly rejections: RejectionLog;
  readonly presence: Presence;
  readonly stuck: StuckDetector;
  readonly accounting: Accounting;
  readonly encoder: ReadingEncoder;
  readonly onReading?: (reading: Reading, message: InboundMessage) => void;
}

/**
 * The per-message path, apart from the wiring: topic → device → parse and validate →
 * line protocol, every refusal counted and every reading accounted for. Returns the spool
 * record of what was accepted, or null when nothing was.
 */
export function createMessageHandler(deps: MessageHandlerDeps): (message: InboundMessage) => Accepted | null {
  const { registry, topics, metrics, rejections, accounting, encoder } = deps;
  // Readings received are counted per family and handed to prom-client once per turn of the
  // event loop (its inc() hashes and checks the labels every time): a scrape sees them at most
  // one turn late, and always before the message's PUBACK, which waits for an fsync.
  const receivedByFamily = new Map<string, number>();
  let countScheduled = false;
  const flushReceived = () => {
    countScheduled = false;
    for (const [family, readings] of receivedByFamily) if (readings > 0) metrics.readingsReceived.inc({ family }, readings);
    receivedByFamily.clear();
  };
  const countReceived = (family: string, readings: number) => {
    receivedByFamily.set(family, (receivedByFamily.get(family) ?? 0) + readings);
    if (!countScheduled) {
      countScheduled = true;
      setImmediate(flushReceived);
    }
  };
  const reject = (rejection: Rejection, context: RejectionContext): null => {
    rejections.record(rejection, context);
    return null;
  };
  // The refusal's context, built only when something is refused: most messages are not.
  const contextOf = (message: InboundMessage, device: string): RejectionContext => ({ topic: message.topic, payload: message.payload, device });
  const topicOf = createTopicCache(topics);
  // A device's record header changes once an hour: kept per device rather than built per message.
  const headers = new WeakMap<DeviceRecord, { hour: number; header: string }>();
  const headerOf = (device: DeviceRecord, hour: number): string => {
    let known = headers.get(device);
    if (known === undefined || known.hour !== hour) headers.set(device, (known = { hour, header: recordHeader({ family: device.family, device: device.id, hour }) }));
    return known.header;
  };

  /** The line for one reading, or null when it cannot be encoded (refused with its code). */
  function encodeReading(reading: Reading, device: DeviceRecord, hour: number, message: InboundMessage): string | null {
    try {
      return encoder.encode(reading, device);
    } catch (error) {
      if (!isWanxiangError(error)) throw error;
      reject({ code: error.code, message: error.message, readings: 1 }, contextOf(message, device.id));
      accounting.rejected(device.id, hour, error.code, 1);
      return null;
    }
  }

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

  function telemetry(message: InboundMessage, device: DeviceRecord): Accepted | null {
    const result = parseTelemetry({ family: getFamily(device.family), deviceId: device.id, payload: message.payload, receivedAtMs: message.receivedAtMs }, deps.limits);
    let received = result.readings.length;
    for (const rejection of result.rejections) received += rejection.readings;
    const hour = hourOf(message.receivedAtMs);
    countReceived(device.family, received);
    accounting.received(device.id, hour, received);
    if (result.rejections.length > 0) {
      // One record and one warn line for the message, naming its every problem (issue 18, item 10).
      rejections.recordMessage(result.rejections, contextOf(message, device.id));
      for (const rejection of result.rejections) accounting.rejected(device.id, hour, rejection.code, rejection.readings);
    }
    if (result.readings.length === 0) return null;
    deps.presence.seen(device.id); // a reading is evidence of life
    // The record is built as the lines come: header, then each line after a line break (spool-record.ts).
    let record = headerOf(device, hour);
    let lines = 0;
    for (const reading of result.readings) {
      deps.stuck.check(reading);
      deps.onReading?.(reading, message);
      const line = encodeReading(reading, device, hour, message);
      if (line === null) continue;
      record += lines === 0 ? line : `\n${line}`;
      lines += 1;
    }
    if (lines === 0) return null;
    accounting.accepted(device.id, hour, lines);
    return { record, readings: lines };
  }

  return (message) => {
    const address = topicOf(message.topic);
    if (!address) return reject({ code: 'WX_ERR_BAD_TOPIC', message: `topic ${JSON.stringify(message.topic)} is not a Wanxiang topic`, readings: 1 }, { topic: message.topic, payload: message.payload });
    const device = registry.device(address.deviceId);
    if (!device) return reject({ code: 'WX_ERR_UNKNOWN_DEVICE', message: `device ${address.deviceId} is not registered`, readings: 1 }, contextOf(message, address.deviceId));
    if (device.family !== address.family) {
      return reject({ code: 'WX_ERR_FAMILY_MISMATCH', message: `device ${device.id} is ${device.family}, topic says ${address.family}`, readings: 1 }, contextOf(message, address.deviceId));
    }
    if (address.kind === 'status') return status(message, device);
    if (address.kind !== 'telemetry') return null;
    return telemetry(message, device);
  };
}
