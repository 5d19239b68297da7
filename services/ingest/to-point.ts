import type { DeviceRecord } from '../registry/registry-schema.ts';
import { getFamily } from '../families/index.ts';
import { encodePoint, escapeKey, formatFieldValue, maxTimeMs, type Point } from '../storage/line-protocol.ts';
import { deviceTags } from '../registry/device-tags.ts';
import type { Reading } from './reading.ts';

/**
 * A Reading as an InfluxDB point. Tags come only from the registry (bounded values);
 * the receive lag is a field so that clock drift can be seen without a tag per value.
 */
export function readingToPoint(reading: Reading, device: DeviceRecord): Point {
  const family = getFamily(reading.family);
  const fields: Array<[string, number, 'float' | 'int']> = [];
  for (const [key, value] of Object.entries(reading.values)) {
    const spec = family.fields[key]!;
    fields.push([spec.field, value, spec.type]);
  }
  for (const [field, value] of Object.entries(family.derive?.(reading.values, device.attributes) ?? {})) {
    fields.push([field, value, family.fieldTypes.get(field) ?? 'float']);
  }
  fields.push(['recv_lag_ms', reading.receivedAtMs - reading.timeMs, 'int']);
  return { measurement: family.measurement, tags: deviceTags(device), fields, timeMs: reading.timeMs };
}

export interface ReadingEncoder {
  /** The reading as one line of line protocol; throws WX_ERR_UNENCODABLE. */
  encode(reading: Reading, device: DeviceRecord): string;
}

/**
 * The hot path's encoder: every reading passes here, so a device's series key
 * (measurement and tags) and each field's escaped key are built once and reused.
 * It writes exactly what encodePoint(readingToPoint(...)) writes (a test holds them equal).
 */
export function createReadingEncoder(): ReadingEncoder {
  const seriesKeys = new WeakMap<DeviceRecord, string>();
  const fieldKeys = new Map<string, string>();
  const fieldKey = (name: string) => {
    let escaped = fieldKeys.get(name);
    if (escaped === undefined) fieldKeys.set(name, (escaped = escapeKey(name, 'field key')));
    return escaped;
  };
  // Per family and payload key: the escaped `field=` prefix and whether it is written as an integer.
  const familyFields = new Map<string, Map<string, { prefix: string; field: string; type: 'float' | 'int' }>>();
  const fieldsOf = (family: ReturnType<typeof getFamily>) => {
    let specs = familyFields.get(family.id);
    if (specs === undefined) {
      specs = new Map(Object.entries(family.fields).map(([key, spec]) => [key, { prefix: `${fieldKey(spec.field)}=`, field: spec.field, type: spec.type }]));
      familyFields.set(family.id, specs);
    }
    return specs;
  };
  return {
    encode(reading, device) {
      const family = getFamily(reading.family);
      let series = seriesKeys.get(device);
      if (series === undefined) {
        series = encodePoint({ measurement: family.measurement, tags: deviceTags(device), fields: [['x', 0, 'int']], timeMs: 0 }).split(' x=')[0]!;
        seriesKeys.set(device, series);
      }
      const specs = fieldsOf(family);
      let fields = '';
      for (const key in reading.values) {
        const spec = specs.get(key)!;
        const value = reading.values[key]!;
        // Validated values are finite numbers (ints safe integers); formatFieldValue says so again only for what it refuses.
        const text = Number.isFinite(value) && (spec.type === 'float' || Number.isSafeInteger(value)) ? (spec.type === 'int' ? `${value}i` : `${value}`) : formatFieldValue(spec.field, value, spec.type);
        fields = fields === '' ? spec.prefix + text : `${fields},${spec.prefix}${text}`;
      }
      if (family.derive) {
        const derived = family.derive(reading.values, device.attributes);
        for (const field in derived) fields += `,${fieldKey(field)}=${formatFieldValue(field, derived[field]!, family.fieldTypes.get(field) ?? 'float')}`;
      }
      fields += `,recv_lag_ms=${formatFieldValue('recv_lag_ms', reading.receivedAtMs - reading.timeMs, 'int')}`;
      if (!Number.isSafeInteger(reading.timeMs) || Math.abs(reading.timeMs) > maxTimeMs) return encodePoint(readingToPoint(reading, device)); // throws with the right code
      return `${series} ${fields} ${reading.timeMs}`;
    },
  };
}
