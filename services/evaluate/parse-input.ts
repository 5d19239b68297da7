import { WanxiangError } from '../errors.ts';
import { readCsvRows } from './csv-rows.ts';
import type { InputRow } from './input-row.ts';
import { show } from './row-issues.ts';
import type { InputFormat } from './types.ts';

/** Bounds of one evaluate batch: beyond them the whole input is refused with a clear error. */
export const MAX_ROWS = 10_000;
export const MAX_BYTES = 5 * 1024 * 1024;

type Reader = (text: string) => InputRow[];

const clip = (line: string) => (line.length > 80 ? `${line.slice(0, 77)}...` : line);

/** NDJSON: one JSON value per line; blank lines are skipped; a broken line costs only itself. */
function readNdjson(text: string): InputRow[] {
  const rows: InputRow[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    try {
      rows.push({ where, fields: JSON.parse(line) as unknown });
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      rows.push({ where, error: new WanxiangError('WX_ERR_BAD_ROW', `not valid JSON (${error.message}): ${clip(line)}`, { value: clip(line) }) });
    }
  });
  return rows;
}

/** A JSON array of row objects (the API's application/json body). */
function readJsonArray(text: string): InputRow[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new WanxiangError('WX_ERR_MALFORMED_JSON', `the input is not valid JSON (${error.message})`);
  }
  if (!Array.isArray(value)) throw new WanxiangError('WX_ERR_NOT_AN_OBJECT', `a JSON input must be an array of row objects, not ${show(value)}`);
  return value.map((fields: unknown, index) => ({ where: `row ${index + 1}`, fields }));
}

const readers: Readonly<Record<Exclude<InputFormat, 'auto'>, Reader>> = {
  ndjson: readNdjson,
  csv: readCsvRows,
  json: readJsonArray,
};

/** `{` first: NDJSON; `[` first: a JSON array; anything else: CSV with a header line. */
export function detectFormat(text: string): Exclude<InputFormat, 'auto'> {
  const first = /\S/.exec(text)?.[0];
  if (first === '{') return 'ndjson';
  if (first === '[') return 'json';
  return 'csv';
}

/** The rows of an evaluate input, in order; throws only when the input as a whole is unusable. */
export function parseInput(text: string, format: InputFormat = 'auto'): InputRow[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_BYTES) {
    throw new WanxiangError('WX_ERR_PAYLOAD_TOO_LARGE', `the input is ${bytes} bytes; at most ${MAX_BYTES} (5 MiB) are evaluated at once`, { value: bytes });
  }
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows = readers[format === 'auto' ? detectFormat(body) : format](body);
  if (rows.length === 0) throw new WanxiangError('WX_ERR_BAD_ROW', 'the input holds no rows');
  if (rows.length > MAX_ROWS) {
    throw new WanxiangError('WX_ERR_TOO_MANY_ROWS', `the input holds ${rows.length} rows; at most ${MAX_ROWS} are evaluated at once`, { value: rows.length });
  }
  return rows;
}
