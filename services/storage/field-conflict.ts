/**
 * A line InfluxDB refused for a field type conflict, read and taken apart: which field it named
 * (someone else, or an older schema, made it with another type in the same shard) and the line
 * without it, so that one field does not cost a reading its other fields (influx-writer.ts).
 */

/** A field of a line that the measurement already holds with another type. */
export interface FieldConflict {
  /** The field key as InfluxDB names it (unescaped). */
  readonly field: string;
  /** Its type in the refused line (`float`, `integer`, `string`, ...). */
  readonly type: string;
  /** The type the database already holds it as. */
  readonly existingType: string;
}

/**
 * The words of each version, checked against a real influxd 1.6.7 (one conflict an answer: the
 * line's first field that conflicts, in the line's order) and as 2.x and 3.x answer:
 * - 1.x (400) `{"error":"partial write: field type conflict: input field \"pm25_ugm3\" on measurement
 *   \"air_quality\" is type float, already exists as type string dropped=1"}` (later 1.x
 *   add ` for database: … for retention policy: …`);
 * - 2.x (422, 500 in 2.0 rc) the same sentence in `{"code":"unprocessable entity","message":"failure
 *   writing points to database: partial write: …"}`;
 * - 3.x (400) `{"error":"partial write of line protocol occurred","data":[{"error_message":"invalid
 *   column type for column 'pm25_ugm3', expected iox::column_type::field::string, got
 *   iox::column_type::field::float", …}]}`: expected is the database's, got the line's.
 */
const conflictSentences: ReadonlyArray<{ pattern: RegExp; read: (match: RegExpMatchArray) => FieldConflict }> = [
  {
    pattern: /input field "(.+?)" on measurement ".*?" is type (\w+), already exists as type (\w+)/g,
    read: (match) => ({ field: match[1]!, type: match[2]!, existingType: match[3]! }),
  },
  {
    pattern: /invalid column type for column '(.+?)', expected iox::column_type::field::(\w+), got iox::column_type::field::(\w+)/g,
    read: (match) => ({ field: match[1]!, type: match[3]!, existingType: match[2]! }),
  },
];

/** Every string of a JSON answer (`error`, `message`, `data[].error_message`), unescaped. */
function stringsIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, into);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) stringsIn(item, into);
  return into;
}

/** The field type conflicts an answer of InfluxDB names; none for any other refusal. */
export function fieldConflictsIn(answer: string): FieldConflict[] {
  let texts: string[];
  try {
    texts = stringsIn(JSON.parse(answer));
  } catch {
    // Not JSON (cut at 1,000 characters, or a proxy's words): the sentence read as it stands.
    texts = [answer.replace(/\\"/g, '"')];
  }
  const conflicts: FieldConflict[] = [];
  for (const text of texts) {
    for (const { pattern, read } of conflictSentences) {
      for (const match of text.matchAll(pattern)) {
        const conflict = read(match);
        if (!conflicts.some((known) => known.field === conflict.field)) conflicts.push(conflict);
      }
    }
  }
  return conflicts;
}

/** One line of line protocol in its parts, each as written (escapes kept). */
interface LineParts {
  /** The measurement and tags. */
  readonly series: string;
  /** The measurement, unescaped. */
  readonly measurement: string;
  /** Each field: its key unescaped, and `key=value` as written. */
  readonly fields: ReadonlyArray<{ readonly key: string; readonly text: string }>;
  /** What follows the field set: ` timestamp`, or nothing. */
  readonly rest: string;
}

const unescape = (text: string) => text.replace(/\\(.)/g, '$1');

/**
 * A line read as InfluxDB reads it (line-protocol.ts writes it so): a backslash takes the next
 * character with it in the measurement, tags and keys; a string value runs from its `"` to the
 * next unescaped `"`, commas, spaces and `=` inside it included. Null for what is not a line.
 */
function partsOf(line: string): LineParts | null {
  const end = line.length;
  let at = 0;
  let measurementEnd = -1;
  while (at < end && line[at] !== ' ') {
    if (line[at] === ',' && measurementEnd < 0) measurementEnd = at;
    at += line[at] === '\\' ? 2 : 1;
  }
  if (at >= end) return null;
  const series = line.slice(0, at);
  const fields: Array<{ key: string; text: string }> = [];
  for (at += 1; ; at += 1) {
    const start = at;
    while (at < end && line[at] !== '=') {
      if (line[at] === ',' || line[at] === ' ') return null;
      at += line[at] === '\\' ? 2 : 1;
    }
    if (at >= end || at === start) return null;
    const key = unescape(line.slice(start, at));
    at += 1;
    if (line[at] === '"') {
      for (at += 1; at < end && line[at] !== '"'; ) at += line[at] === '\\' ? 2 : 1;
      if (at >= end) return null;
      at += 1;
    } else {
      while (at < end && line[at] !== ',' && line[at] !== ' ') at += 1;
    }
    fields.push({ key, text: line.slice(start, at) });
    if (at >= end || line[at] === ' ') break;
    if (line[at] !== ',') return null;
  }
  return { series, measurement: unescape(series.slice(0, measurementEnd < 0 ? series.length : measurementEnd)), fields, rest: line.slice(at) };
}

/** A line split in two: the fields it keeps, and the named fields alone (same series and time). */
export interface SplitLine {
  readonly kept: string;
  readonly refused: string;
  readonly keptFields: number;
  /** The keys of the fields kept, unescaped. */
  readonly keptKeys: readonly string[];
  readonly measurement: string;
}

/**
 * The line without the named fields, and those fields as a line of their own; null when one of
 * them is not in the line, or none of its fields would be left (the line is refused whole).
 */
export function splitFields(line: string, names: readonly string[]): SplitLine | null {
  const parts = partsOf(line);
  if (parts === null) return null;
  const named = new Set(names);
  const kept = parts.fields.filter((field) => !named.has(field.key));
  const refused = parts.fields.filter((field) => named.has(field.key));
  if (kept.length === 0 || refused.length !== named.size) return null;
  const lineOf = (fields: typeof kept) => `${parts.series} ${fields.map((field) => field.text).join(',')}${parts.rest}`;
  return { kept: lineOf(kept), refused: lineOf(refused), keptFields: kept.length, keptKeys: kept.map((field) => field.key), measurement: parts.measurement };
}

/** Why a field was taken out of its line, for the log, the dead letter and the device. */
export function conflictReason(conflict: FieldConflict, measurement: string, keptFields: number): string {
  return `InfluxDB refused field "${conflict.field}" of measurement "${measurement}": it is ${conflict.type} in this point and the database already has it as ${conflict.existingType} (field type conflict); the point's other ${keptFields} ${keptFields === 1 ? 'field was' : 'fields were'} written`;
}
