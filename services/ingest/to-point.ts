import type { DeviceRecord } from '../registry/registry-schema.ts';
import { getFamily } from '../families/index.ts';
import { encodePoint, escapeKey, formatFieldValue, maxTimeMs, type Point } from '../storage/line-protocol.ts';
import { deviceTags } from '../registry/device-tags.ts';
import type { Reading } from './reading.ts';

/** The field ingest adds to every reading, which no device sends: the receive lag, in ms. */
export const receiveLagField = 'recv_lag_ms';

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
  fields.push([receiveLagField, reading.receivedAtMs - reading.timeMs, 'int']);
  return { measurement: family.measurement, tags: deviceTags(device), fields, timeMs: reading.timeMs };
}

export interface ReadingEncoder {
  /** The reading as one line of line protocol; throws WX_ERR_UNENCODABLE. */
  encode(reading: Reading, device: DeviceRecord): string;
}

/** Per family, what encoding a reading needs, looked up once per reading rather than per field. */
interface FamilyEncoding {
  readonly family: ReturnType<typeof getFamily>;
  /** Payload key → the escaped `field=` and whether the value is written as an integer. */
  readonly fields: Readonly<Record<string, { readonly prefix: string; readonly nextPrefix: string; readonly field: string; readonly type: 'float' | 'int' }>>;
}

/**
 * The hot path's encoder: every reading passes here, so a device's series key
 * (measurement and tags) and each field's escaped key are built once and reused.
 * It writes exactly what encodePoint(readingToPoint(...)) writes (a test holds them equal).
 */
export function createReadingEncoder(): ReadingEncoder {
  const devices = new WeakMap<DeviceRecord, { series: string; encoding: FamilyEncoding }>();
  const fieldKeys = new Map<string, string>();
  const fieldKey = (name: string) => {
    let escaped = fieldKeys.get(name);
    if (escaped === undefined) fieldKeys.set(name, (escaped = escapeKey(name, 'field key')));
    return escaped;
  };
  const families = new Map<string, FamilyEncoding>();
  const encodingOf = (family: ReturnType<typeof getFamily>): FamilyEncoding => {
    let encoding = families.get(family.id);
    if (encoding === undefined) {
      // A prototype-less object: a payload key is looked up as an own property, never as Object.prototype's.
      const fields = Object.create(null) as Record<string, FamilyEncoding['fields'][string]>;
      for (const [key, spec] of Object.entries(family.fields)) fields[key] = { prefix: `${fieldKey(spec.field)}=`, nextPrefix: `,${fieldKey(spec.field)}=`, field: spec.field, type: spec.type };
      families.set(family.id, (encoding = { family, fields }));
    }
    return encoding;
  };
  const deviceOf = (device: DeviceRecord, familyId: Reading['family']) => {
    let known = devices.get(device);
    if (known === undefined || known.encoding.family.id !== familyId) {
      const family = getFamily(familyId);
      const series = encodePoint({ measurement: family.measurement, tags: deviceTags(device), fields: [['x', 0, 'int']], timeMs: 0 }).split(' x=')[0]!;
      devices.set(device, (known = { series, encoding: encodingOf(family) }));
    }
    return known;
  };
  return {
    encode(reading, device) {
      const { series, encoding } = deviceOf(device, reading.family);
      const { family, fields: specs } = encoding;
      const values = reading.values;
      // Two string additions a field (`,key=` then the value): fewer intermediate strings to collect.
      let fields = '';
      for (const key in values) {
        const spec = specs[key]!;
        const value = values[key]!;
        // Validated values are finite numbers (ints safe integers); formatFieldValue says so again only for what it refuses.
        const text = spec.type === 'float' ? (Number.isFinite(value) ? `${value}` : formatFieldValue(spec.field, value, 'float')) : Number.isSafeInteger(value) ? `${value}i` : formatFieldValue(spec.field, value, spec.type);
        fields = (fields === '' ? spec.prefix : fields + spec.nextPrefix) + text;
      }
      if (family.derive) {
        const derived = family.derive(values, device.attributes);
        for (const field in derived) fields += `,${fieldKey(field)}=${formatFieldValue(field, derived[field]!, family.fieldTypes.get(field) ?? 'float')}`;
      }
      const lag = reading.receivedAtMs - reading.timeMs;
      fields += Number.isSafeInteger(lag) ? `,recv_lag_ms=${lag}i` : `,recv_lag_ms=${formatFieldValue('recv_lag_ms', lag, 'int')}`;
      if (!Number.isSafeInteger(reading.timeMs) || Math.abs(reading.timeMs) > maxTimeMs) return encodePoint(readingToPoint(reading, device)); // throws with the right code
      return `${series} ${fields} ${reading.timeMs}`;
    },
  };
}
