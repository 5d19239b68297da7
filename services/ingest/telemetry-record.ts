import { isWanxiangError } from '../errors.ts';
import { getFamily } from '../families/index.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { hourOf } from './accounting.ts';
import { mappingOf } from './device-mapping.ts';
import { parseTelemetry, type ParseLimits } from './parse-telemetry.ts';
import type { Reading, Rejection } from './reading.ts';
import { recordHeader } from './spool-record.ts';
import type { ReadingEncoder } from './to-point.ts';

/**
 * What one telemetry message becomes, away from the broker's thread (issue 26, item 1): the
 * readings the main thread's observers see, the refusals it counts, and the spool record of
 * the lines. Plain data, so that it crosses from an ingest worker by structured clone.
 */
export interface TelemetryOutcome {
  /** Readings the message stood for, refused ones included (accounting's "received"). */
  readonly received: number;
  readonly rejections: readonly Rejection[];
  /** Every valid reading, in order: the stuck detector and the observers see them all. */
  readonly readings: readonly Reading[];
  /** Readings valid but not encodable as line protocol (WX_ERR_UNENCODABLE), one refusal each. */
  readonly unencodable: readonly Rejection[];
  /** Header and lines (spool-record.ts), or null when no line was made. */
  readonly record: string | null;
  readonly lines: number;
}

const none: readonly Rejection[] = [];

/** A device's header changes once an hour: kept per device rather than built per message. */
export function createHeaderCache(): (device: DeviceRecord, hour: number) => string {
  const headers = new WeakMap<DeviceRecord, { hour: number; header: string }>();
  return (device, hour) => {
    let known = headers.get(device);
    if (known === undefined || known.hour !== hour) headers.set(device, (known = { hour, header: recordHeader({ family: device.family, device: device.id, hour }) }));
    return known.header;
  };
}

/**
 * Parse, validate, map and encode one telemetry payload of a known device. Pure apart from
 * the encoder's and header's caches: no counting, no I/O; the caller accounts for the outcome
 * (handle-message.ts, in whichever thread this ran).
 */
export function telemetryRecord(device: DeviceRecord, payload: Buffer, receivedAtMs: number, limits: ParseLimits, encoder: ReadingEncoder, headerOf: (device: DeviceRecord, hour: number) => string): TelemetryOutcome {
  // A device with an alias or unit map (registry `hj212.codes`/`units`, issue 20) has its keys mapped first; others pay one property check.
  const mapping = device.hj212?.codes || device.hj212?.units ? mappingOf(device).json : undefined;
  const result = parseTelemetry({ family: getFamily(device.family), deviceId: device.id, payload, receivedAtMs, ...(mapping ? { mapping } : {}) }, limits);
  let received = result.readings.length;
  for (const rejection of result.rejections) received += rejection.readings;
  if (result.readings.length === 0) return { received, rejections: result.rejections, readings: result.readings, unencodable: none, record: null, lines: 0 };
  // The record is built as the lines come: header, then each line after a line break (spool-record.ts).
  let record = headerOf(device, hourOf(receivedAtMs));
  let lines = 0;
  let unencodable = none;
  for (const reading of result.readings) {
    let line: string;
    try {
      line = encoder.encode(reading, device);
    } catch (error) {
      if (!isWanxiangError(error)) throw error;
      (unencodable === none ? (unencodable = []) : (unencodable as Rejection[])).push({ code: error.code, message: error.message, readings: 1 });
      continue;
    }
    record += lines === 0 ? line : `\n${line}`;
    lines += 1;
  }
  return { received, rejections: result.rejections, readings: result.readings, unencodable, record: lines === 0 ? null : record, lines };
}
