import { WanxiangError } from '../errors.ts';
import { readCsv, type CsvRecord } from './csv.ts';
import type { InputRow } from './input-row.ts';
import { canonicalColumn } from './column-names.ts';
import { NUMERIC_COLUMNS, isRowKind, rowSchemas } from './row-schemas.ts';
import { rowErrorFromIssues, show } from './row-issues.ts';

// A plain decimal, optionally signed, with an exponent; no thousands separators, no "<0.01" or "ND"
// (a value below the detection limit is for the officer to decide, not for a guess).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function badHeader(message: string, value: unknown): WanxiangError {
  return new WanxiangError('WX_ERR_BAD_ROW', `the CSV header (first line) ${message}`, { value });
}

/** The column names; a header that cannot name the columns makes the whole input unreadable. */
function headerColumns(header: CsvRecord): string[] {
  if ('error' in header) throw badHeader(`is broken: ${header.error}`, undefined);
  const columns = header.cells.map(canonicalColumn);
  const blank = columns.indexOf('');
  if (blank !== -1) throw badHeader(`has no name for column ${blank + 1}`, columns);
  const repeated = columns.find((column, index) => columns.indexOf(column) !== index);
  if (repeated !== undefined) throw badHeader(`names column '${repeated}' twice`, repeated);
  if (!columns.includes('kind')) throw badHeader(`has no 'kind' column: ${show(columns.join(','))}`, columns);
  return columns;
}

/** Empty cells are missing values (left out); the measured-value columns are parsed as numbers. */
function csvRow(cells: readonly string[], columns: readonly string[], where: string): InputRow {
  const idCell = cells[columns.indexOf('id')]?.trim();
  const id = idCell ? { id: idCell } : {};
  if (cells.length !== columns.length) {
    const message = `${cells.length} cells, but the header has ${columns.length} columns`;
    return { where, error: new WanxiangError('WX_ERR_BAD_ROW', message, { value: cells.length }), ...id };
  }
  const fields: Record<string, string | number> = {};
  const problems: string[] = [];
  const failing: string[] = [];
  const failingColumns: string[] = [];
  columns.forEach((column, index) => {
    const cell = cells[index]!.trim();
    if (cell === '') return;
    // Text columns stay text, and so do unknown ones: the row's schema refuses those by name.
    if (!NUMERIC_COLUMNS.has(column)) fields[column] = cell;
    else if (DECIMAL.test(cell)) fields[column] = Number(cell);
    else {
      problems.push(`column '${column}': ${show(cell)} is not a number`);
      failing.push(cell);
      failingColumns.push(column);
    }
  });
  if (problems.length > 0) {
    // Every problem of the row at once (issue 22 item 4): a bad number must not hide a bad date.
    const schema = isRowKind(fields.kind) ? rowSchemas[fields.kind] : null;
    // reportInput: without it every issue looks like a missing field ("date is required" for a bad date, red team 11).
    const others = schema ? schema.safeParse(fields, { reportInput: true }) : null;
    const more = others && !others.success ? rowErrorFromIssues(others.error.issues.filter((issue) => !failingColumns.includes(String(issue.path[0]))), String(fields.kind)).message : '';
    return { where, error: new WanxiangError('WX_ERR_BAD_ROW', [...problems, ...(more ? [more] : [])].join('; '), { value: failing[0] }), ...id };
  }
  return { where, fields };
}

/** A CSV with a header line: one input row per record after the header, in order. */
export function readCsvRows(text: string): InputRow[] {
  const [header, ...records] = readCsv(text);
  if (header === undefined) return [];
  const columns = headerColumns(header);
  return records.map((record) => {
    const where = `line ${record.line}`;
    if ('error' in record) return { where, error: new WanxiangError('WX_ERR_BAD_ROW', `not valid CSV: ${record.error}`) };
    return csvRow(record.cells, columns, where);
  });
}
