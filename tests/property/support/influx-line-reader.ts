/**
 * Line protocol read back the way InfluxDB 1.x reads it, so that the property tests can
 * say whether what encodePoint writes is what the database will store.
 *
 * A port of the scanning and unescaping in influxdata/influxdb `models/points.go`
 * (ParsePointsWithPrecision, scanLine, scanMeasurement, scanTagsKey, scanTagsValue,
 * scanFields, scanNumber, scanTime, walkTags, walkFields, FieldIterator.Next) and
 * `pkg/escape` (Unescape), the 1.x line that the tests' influxd (1.6.7) runs. The rules
 * that matter for escaping, all different from one another:
 * - measurement and tag section: a byte preceded by a backslash is escaped (`buf[i-1] == '\\'`),
 *   whether or not that backslash was itself escaped;
 * - fields section and line splitting: a backslash swallows the byte after it (`i += 2`);
 * - measurement and field keys unescape `\,` `\"` `\ ` `\=`; tag keys and values `\,` `\ ` `\=`;
 *   string field values `\\` and `\"`;
 * - blanks (space, tab, NUL) are skipped at the start of a line, of the fields and of the time,
 *   and a line starting with `#` is a comment.
 * Beyond the parser it models what the write path was seen to do: a `time` tag or field, and
 * a measurement the series key cannot carry (see parsePoint). line-protocol-influxd.test.ts
 * holds this reader to the real influxd.
 */

import { LineError, fail, parseInt64, scanFields, skipWhitespace, unescapeName, walkFields, type LineValue } from './influx-line-fields.ts';

export type { LineValue } from './influx-line-fields.ts';

export interface LinePoint {
  readonly measurement: string;
  /** In line order, unescaped; tags with an empty value are dropped, as walkTags drops them. */
  readonly tags: ReadonlyArray<readonly [string, string]>;
  /** In line order, unescaped; a later duplicate key wins in InfluxDB. */
  readonly fields: ReadonlyArray<readonly [string, LineValue]>;
  /** Epoch milliseconds as written (precision=ms), or null when the line has none. */
  readonly timestamp: bigint | null;
}

/** A line InfluxDB refuses (400), or takes with a 204 and then loses (`lost`). */
export type LineRead = { readonly ok: true; readonly point: LinePoint } | { readonly ok: false; readonly error: string; readonly lost?: true };

/** scanLine: where the line starting at i ends (a newline outside a quoted field value). */
function scanLine(buf: string, i: number): number {
  let quoted = false;
  let fields = false;
  let equals = 0;
  let commas = 0;
  while (i < buf.length) {
    if (buf[i] === '\\') {
      i += 2;
      continue;
    }
    if (buf[i] === ' ') fields = true;
    if (fields) {
      if (!quoted && buf[i] === '=') {
        i++;
        equals++;
        continue;
      } else if (!quoted && buf[i] === ',') {
        i++;
        commas++;
        continue;
      } else if (buf[i] === '"' && equals > commas) {
        i++;
        quoted = !quoted;
        continue;
      }
    }
    if (buf[i] === '\n' && !quoted) break;
    i++;
  }
  return Math.min(i, buf.length);
}

// models.unescapeTag: bytes.Replace of each escape sequence.
const unescapeTag = (text: string) => (text.includes('\\') ? text.replaceAll('\\,', ',').replaceAll('\\ ', ' ').replaceAll('\\=', '=') : text);

interface Key {
  readonly end: number;
  readonly measurement: string;
  readonly tags: Array<[string, string]>;
}

function scanKey(buf: string): Key {
  // scanMeasurement
  if (buf.length === 0 || buf[0] === ',') fail('missing measurement');
  let i = 0;
  let toTags = false;
  for (;;) {
    i++;
    if (i >= buf.length) fail('missing fields');
    if (buf[i - 1] === '\\') continue;
    if (buf[i] === ',') {
      toTags = true;
      break;
    }
    if (buf[i] === ' ') break;
  }
  const measurement = buf.slice(0, i);
  const tags: Array<[string, string]> = [];
  while (toTags) {
    // scanTagsKey
    const keyStart = ++i;
    if (i >= buf.length || ' ,='.includes(buf[i]!)) fail('missing tag key');
    for (;;) {
      i++;
      if (i >= buf.length || ((buf[i] === ' ' || buf[i] === ',') && buf[i - 1] !== '\\')) fail('missing tag value');
      if (buf[i] === '=' && buf[i - 1] !== '\\') break;
    }
    const key = buf.slice(keyStart, i);
    // scanTagsValue
    const valueStart = ++i;
    if (i >= buf.length || buf[i] === ',' || buf[i] === ' ') fail('missing tag value');
    for (;;) {
      i++;
      if (i >= buf.length) fail('missing fields');
      if (buf[i] === '=' && buf[i - 1] !== '\\') fail('invalid tag format');
      if (buf[i] === ',' && buf[i - 1] !== '\\') break;
      if (buf[i] === ' ' && buf[i - 1] !== '\\') {
        toTags = false;
        break;
      }
    }
    tags.push([key, buf.slice(valueStart, i)]);
  }
  const rawKeys = tags.map(([key]) => key);
  if (new Set(rawKeys).size !== rawKeys.length) fail('duplicate tags');
  if (Buffer.byteLength(buf.slice(0, i)) > 65_535) fail('max key length exceeded');
  return { end: i, measurement: unescapeName(measurement), tags: tags.map(([key, value]) => [unescapeTag(key), unescapeTag(value)]) };
}

// SafeCalcTime with precision=ms: the nanosecond time must lie within (MinInt64+2, MaxInt64-1).
const maxMs = (2n ** 63n - 2n) / 1_000_000n;

function parsePoint(buf: string): LinePoint {
  const key = scanKey(buf);
  const { start, end } = scanFields(buf, key.end);
  if (end === start) fail('missing fields');
  const fields = walkFields(buf.slice(start, end));
  let i = skipWhitespace(buf, end);
  const timeStart = i;
  while (i < buf.length && buf[i] !== '\n' && buf[i] !== ' ') {
    if (!(i === timeStart && buf[i] === '-') && (buf[i]! < '0' || buf[i]! > '9')) fail('bad timestamp');
    i++;
  }
  let timestamp: bigint | null = null;
  if (i > timeStart) {
    timestamp = parseInt64(buf.slice(timeStart, i));
    if (timestamp > maxMs || timestamp < -maxMs) fail('time outside range');
    for (; i < buf.length; i++) if (buf[i] !== ' ') fail('point is invalid');
  }
  // tsdb's shard validation, after parsing: a `time` tag drops the point, a `time` field is
  // dropped silently, and a point left without fields is dropped.
  if (key.tags.some(([tag]) => tag === 'time')) fail('invalid tag key: time');
  const kept = fields.filter(([field]) => field !== 'time');
  if (kept.length === 0) fail('invalid field name: time');
  // The series key is rebuilt from the measurement with unescapeMeasurement, which turns a
  // `\,` or `\ ` left after unescaping into `,` or ` `: the point is answered 204, listed
  // under the other name, and its values cannot be read back.
  if (/\\[, ]/.test(key.measurement)) fail(`measurement ${JSON.stringify(key.measurement)} is stored as ${JSON.stringify(key.measurement.replace(/\\([, ])/g, '$1'))}, its values lost`, true);
  return { measurement: key.measurement, tags: key.tags, fields: kept, timestamp };
}

/**
 * A write body as InfluxDB 1.x reads it: one result per line that is not blank and not a
 * comment (`#` after leading whitespace). The text goes over the wire as UTF-8 first.
 */
export function readBody(text: string): LineRead[] {
  const buf = Buffer.from(text, 'utf8').toString('utf8');
  const results: LineRead[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const end = scanLine(buf, pos);
    let block = buf.slice(pos, end);
    pos = end + 1;
    const start = skipWhitespace(block, 0);
    if (start >= block.length || block[start] === '#') continue;
    if (block.endsWith('\n')) block = block.slice(0, -1);
    try {
      results.push({ ok: true, point: parsePoint(block.slice(start)) });
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      results.push(error.lost ? { ok: false, error: error.message, lost: true } : { ok: false, error: error.message });
    }
  }
  return results;
}

/** One line as InfluxDB 1.x reads it; a line that yields no point (a comment) is an error here. */
export function readLine(line: string): LineRead {
  const results = readBody(line);
  if (results.length !== 1) return { ok: false, error: `${results.length} points in one line` };
  return results[0]!;
}
