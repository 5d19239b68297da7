// The fields section of a line, and the pieces the whole reader shares: see influx-line-reader.ts.

export type LineValue =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean };

export class LineError extends Error {
  lost = false;
}
export const fail = (message: string, lost = false): never => {
  const error = new LineError(message);
  error.lost = lost;
  throw error;
};

const isNumeric = (c: string | undefined) => c !== undefined && ((c >= '0' && c <= '9') || c === '.');

export function skipWhitespace(buf: string, i: number): number {
  while (i < buf.length && (buf[i] === ' ' || buf[i] === '\t' || buf[i] === '\0')) i++;
  return i;
}

// pkg/escape.Unescape: measurement names and field keys.
export function unescapeName(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const next = text[i + 1];
    if (text[i] === '\\' && next !== undefined && ',"= '.includes(next)) {
      out += next;
      i++;
    } else out += text[i];
  }
  return out;
}

// models.unescapeStringField
function unescapeStringField(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const next = text[i + 1];
    if (text[i] === '\\' && (next === '\\' || next === '"')) {
      out += next;
      i++;
    } else out += text[i];
  }
  return out;
}

/** scanNumber: the end of the number starting at i (float or integer; unsigned is off in 1.x). */
function scanNumber(buf: string, i: number): number {
  const start = i;
  let isInt = false;
  if (buf[i] === '-') {
    i++;
    if (i === buf.length) fail('invalid number');
  }
  let decimal = false;
  let scientific = false;
  while (i < buf.length && buf[i] !== ',' && buf[i] !== ' ') {
    const c = buf[i]!;
    if (c === 'i' && i > start && !isInt) {
      isInt = true;
      i++;
      continue;
    }
    if (c === 'u' && i > start && !isInt) fail('invalid number'); // uint64 support is off
    if (c === '.') {
      if (decimal) fail('invalid number');
      decimal = true;
    }
    if (i > start && (c === 'e' || c === 'E')) {
      scientific = true;
      i++;
      continue;
    }
    if ((c === '+' || c === '-') && (buf[i - 1] === 'e' || buf[i - 1] === 'E')) {
      i++;
      continue;
    }
    if (i + 2 < buf.length && (c === 'N' || c === 'n')) fail('invalid number');
    if (!isNumeric(c)) fail('invalid number');
    i++;
  }
  if (isInt && (decimal || scientific)) fail('invalid number');
  const digits = i - start - (isInt ? 1 : 0) - (decimal ? 1 : 0) - (buf[start] === '-' ? 1 : 0);
  if (digits === 0) fail('invalid number');
  if (isInt) {
    if (buf[i - 1] !== 'i') fail('invalid number');
    parseInt64(buf.slice(start, i - 1));
  } else if (scientific || i - start >= 25) {
    if (!Number.isFinite(Number(buf.slice(start, i)))) fail('invalid float');
  }
  return i;
}

const int64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
export function parseInt64(text: string): bigint {
  if (!/^[+-]?\d+$/.test(text)) fail(`invalid integer ${text}`);
  const value = BigInt(text);
  if (value < int64.min || value > int64.max) fail(`integer ${text} out of range`);
  return value;
}

export function scanFields(buf: string, i: number): { start: number; end: number } {
  const start = skipWhitespace(buf, i);
  i = start;
  let quoted = false;
  let equals = 0;
  let commas = 0;
  while (i < buf.length) {
    if (buf[i] === '\\' && i + 1 < buf.length) {
      i += 2;
      continue;
    }
    if (buf[i] === '"' && equals > commas) {
      quoted = !quoted;
      i++;
      continue;
    }
    if (buf[i] === '=' && !quoted) {
      equals++;
      if (buf[i - 1] === ' ' && buf[i - 2] !== '\\') fail('missing field key');
      if (buf[i - 1] === ',' && buf[i - 2] !== '\\') fail('missing field key');
      if (i + 1 >= buf.length) fail('missing field value');
      const next = buf[i + 1]!;
      if (next === ',' || next === ' ') fail('missing field value');
      if (isNumeric(next) || next === '-' || next === 'N' || next === 'n') {
        i = scanNumber(buf, i + 1);
        continue;
      }
      if (next !== '"') {
        i = scanBoolean(buf, i + 1);
        continue;
      }
    }
    if (buf[i] === ',' && !quoted) commas++;
    if (buf[i] === ' ' && !quoted) break;
    i++;
  }
  if (quoted) fail('unbalanced quotes');
  if (equals === 0 || commas !== equals - 1) fail('invalid field format');
  return { start, end: i };
}

const booleans = new Set(['t', 'T', 'true', 'True', 'TRUE', 'f', 'F', 'false', 'False', 'FALSE']);
function scanBoolean(buf: string, i: number): number {
  const start = i;
  while (i < buf.length && buf[i] !== ',' && buf[i] !== ' ') i++;
  if (!booleans.has(buf.slice(start, i))) fail('invalid boolean');
  return i;
}

// scanTo: up to the first unescaped stop character.
function scanTo(buf: string, i: number, stop: string): number {
  while (i < buf.length && !(buf[i] === stop && (i === 0 || buf[i - 1] !== '\\'))) i++;
  return i;
}

function scanFieldValue(buf: string, i: number): number {
  let quoted = false;
  while (i < buf.length) {
    if (buf[i] === '\\' && i + 1 < buf.length && (buf[i + 1] === '"' || buf[i + 1] === '\\')) {
      i += 2;
      continue;
    }
    if (buf[i] === '"') {
      i++;
      quoted = !quoted;
      continue;
    }
    if (buf[i] === ',' && !quoted) break;
    i++;
  }
  return i;
}

function fieldValue(raw: string): LineValue {
  const first = raw[0]!;
  if (first === '"') return { type: 'string', value: unescapeStringField(raw.slice(1, -1)) };
  if ('0123456789-.nNiIu'.includes(first)) {
    if (raw.endsWith('i')) return { type: 'int', value: parseInt64(raw.slice(0, -1)) };
    const value = Number(raw);
    if (!Number.isFinite(value)) fail(`invalid float ${raw}`);
    return { type: 'float', value };
  }
  return { type: 'boolean', value: raw[0] === 't' || raw[0] === 'T' };
}

// walkFields + FieldIterator: keys are unescaped only when they hold an escape sequence.
export function walkFields(text: string): Array<[string, LineValue]> {
  const fields: Array<[string, LineValue]> = [];
  let rest = text;
  while (rest.length > 0) {
    const keyEnd = scanTo(rest, 0, '=');
    const key = unescapeName(rest.slice(0, keyEnd));
    rest = rest.slice(keyEnd + 1);
    const valueEnd = scanFieldValue(rest, 0);
    const raw = rest.slice(0, valueEnd);
    rest = rest.slice(valueEnd + 1);
    // an empty key is kept: the write path stores it (influxd 1.6 answers it as column `val0`)
    if (raw !== '') fields.push([key, fieldValue(raw)]);
  }
  return fields;
}

