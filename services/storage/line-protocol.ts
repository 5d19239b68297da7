import { WanxiangError } from '../errors.ts';

export type FieldType = 'float' | 'int' | 'string';

/** One InfluxDB point; tags are written sorted by key, as InfluxDB prefers. */
export interface Point {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: ReadonlyArray<readonly [name: string, value: number | string, type: FieldType]>;
  /** Epoch milliseconds; lines are written with precision=ms. */
  readonly timeMs: number;
}

/**
 * What line protocol cannot carry faithfully, so it is refused rather than written wrong
 * (each case found by the property tests against a real influxd): line breaks and other
 * control characters, backslashes (InfluxDB 1.x unescapes them differently in each part
 * of a line), lone surrogates, a measurement starting with `#` (read as a comment), and
 * `time` as a tag or field key.
 */
function checkEncodable(text: string, what: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  const refused = text.length === 0 || /[\u0000-\u001f\u007f\\]/.test(text) || !text.isWellFormed()
    || (what === 'measurement' && text.startsWith('#')) || ((what === 'tag key' || what === 'field key') && text === 'time');
  if (refused) {
    throw new WanxiangError('WX_ERR_UNENCODABLE', `${what} ${JSON.stringify(text)} cannot be written as line protocol`, { value: text });
  }
}

/** InfluxDB's time range: ±(2^63 - 1) ns, in milliseconds. */
export const maxTimeMs = 9_223_372_036_854;

/** Measurement names escape comma and space. */
export function escapeMeasurement(name: string): string {
  checkEncodable(name, 'measurement');
  return name.replace(/[, ]/g, (c) => `\\${c}`);
}

/** Tag keys, tag values and field keys escape comma, equals sign and space. */
export function escapeKey(text: string, what = 'tag or field key'): string {
  checkEncodable(text, what);
  return /[,= ]/.test(text) ? text.replace(/[,= ]/g, (c) => `\\${c}`) : text;
}

/**
 * A field's value as line protocol writes it: integers with `i`, floats as they are,
 * strings quoted with `"` and `\` escaped (rollups' labels, never device text).
 */
export function formatFieldValue(name: string, value: number | string, type: FieldType): string {
  if (type === 'string') {
    if (typeof value !== 'string' || /[\n\r]/.test(value)) throw new WanxiangError('WX_ERR_UNENCODABLE', `field ${name} has value ${JSON.stringify(value)}, not a one-line string`, { value });
    return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || (type === 'int' && !Number.isSafeInteger(value))) {
    throw new WanxiangError('WX_ERR_UNENCODABLE', `field ${name} has value ${value}, not a finite ${type}`, { value });
  }
  return type === 'int' ? `${value}i` : `${value}`;
}

function formatField(name: string, value: number | string, type: FieldType): string {
  return `${escapeKey(name, 'field key')}=${formatFieldValue(name, value, type)}`;
}

export function encodePoint(point: Point): string {
  if (point.fields.length === 0) throw new WanxiangError('WX_ERR_UNENCODABLE', `point of ${point.measurement} has no field`);
  if (!Number.isSafeInteger(point.timeMs) || Math.abs(point.timeMs) > maxTimeMs) {
    throw new WanxiangError('WX_ERR_UNENCODABLE', `timestamp ${point.timeMs} is not an integer of milliseconds`, { value: point.timeMs });
  }
  let line = escapeMeasurement(point.measurement);
  for (const key of Object.keys(point.tags).sort()) {
    const value = point.tags[key]!;
    if (value !== '') line += `,${escapeKey(key, 'tag key')}=${escapeKey(value, 'tag value')}`;
  }
  line += ` ${point.fields.map(([name, value, type]) => formatField(name, value, type)).join(',')} ${point.timeMs}`;
  return line;
}
