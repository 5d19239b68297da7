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

// Line protocol has no escape for a newline, and a trailing backslash would escape
// the separator that follows it (InfluxDB 1.x models/points.go), so both are refused.
function checkEncodable(text: string, what: string): void {
  if (text.length === 0 || /[\n\r]/.test(text) || text.endsWith('\\')) {
    throw new WanxiangError('WX_ERR_UNENCODABLE', `${what} ${JSON.stringify(text)} cannot be written as line protocol`, { value: text });
  }
}

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
  if (!Number.isSafeInteger(point.timeMs)) {
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
