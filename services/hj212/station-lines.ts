import type { DeviceRecord } from '../registry/registry-schema.ts';
import { deviceTags } from '../registry/device-tags.ts';
import { WanxiangError } from '../errors.ts';
import { escapeKey, escapeMeasurement, formatFieldValue, maxTimeMs, type FieldType } from '../storage/line-protocol.ts';

export type StationField = readonly [name: string, value: number | string, type: FieldType];

/**
 * Line protocol for a station's points, as encodePoint writes them (tests/unit/hj212/fast-paths
 * holds the two equal) but without rebuilding and re-checking the series key for every packet:
 * a device's `measurement,tags` is built once per registry record, measurement and interval
 * (a changed record is a new object, so a registry change builds anew), and each field key is
 * escaped once. The series key was most of the mapping's cost (issue 20's throughput goal).
 */
const seriesKeys = new WeakMap<DeviceRecord, Map<string, string>>();
const fieldKeys = new Map<string, string>();

function seriesKey(measurement: string, tags: Readonly<Record<string, string>>): string {
  let line = escapeMeasurement(measurement);
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key]!;
    if (value !== '') line += `,${escapeKey(key, 'tag key')}=${escapeKey(value, 'tag value')}`;
  }
  return line;
}

function seriesOf(device: DeviceRecord, measurement: string, interval: string): string {
  let byDevice = seriesKeys.get(device);
  if (!byDevice) seriesKeys.set(device, (byDevice = new Map()));
  const key = `${measurement}\n${interval}`;
  let series = byDevice.get(key);
  if (series === undefined) byDevice.set(key, (series = seriesKey(measurement, { ...deviceTags(device), interval })));
  return series;
}

function fieldKey(name: string): string {
  let escaped = fieldKeys.get(name);
  if (escaped === undefined) {
    escaped = escapeKey(name, 'field key');
    // Field names come from the family modules (bounded); a vendor's never reaches here.
    fieldKeys.set(name, escaped);
  }
  return escaped;
}

// Flags are a letter or few (N, C, M, …): their quoted form is kept rather than escaped a packet.
const shortStrings = new Map<string, string>();
function stringValue(name: string, value: string): string {
  let quoted = shortStrings.get(value);
  if (quoted === undefined) {
    quoted = formatFieldValue(name, value, 'string');
    if (value.length <= 4 && shortStrings.size < 1_000) shortStrings.set(value, quoted);
  }
  return quoted;
}

/** One point of a station's device, tagged with its registry tags and `interval`; throws WX_ERR_UNENCODABLE as encodePoint does. */
export function encodeStationLine(device: DeviceRecord, measurement: string, interval: string, fields: readonly StationField[], timeMs: number): string {
  if (fields.length === 0) throw new WanxiangError('WX_ERR_UNENCODABLE', `point of ${measurement} has no field`);
  if (!Number.isSafeInteger(timeMs) || Math.abs(timeMs) > maxTimeMs) {
    throw new WanxiangError('WX_ERR_UNENCODABLE', `timestamp ${timeMs} is not an integer of milliseconds`, { value: timeMs });
  }
  let line = seriesOf(device, measurement, interval);
  for (let i = 0; i < fields.length; i += 1) {
    const [name, value, type] = fields[i]!;
    line += `${i === 0 ? ' ' : ','}${fieldKey(name)}=${type === 'string' && typeof value === 'string' ? stringValue(name, value) : formatFieldValue(name, value, type)}`;
  }
  return `${line} ${timeMs}`;
}
