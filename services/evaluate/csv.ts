/**
 * A CSV reader after RFC 4180: comma-separated cells, optionally in double quotes (a quote inside
 * is doubled; commas and line breaks may be quoted), CRLF or LF line ends. A broken record is
 * reported with its line and reading resumes on the next line, so one bad line loses nothing else.
 */
export type CsvRecord =
  | { readonly line: number; readonly cells: readonly string[] }
  | { readonly line: number; readonly error: string };

interface Cursor {
  pos: number;
  line: number;
}

class CsvLineError extends Error {}

function atLineEnd(text: string, pos: number): boolean {
  return pos >= text.length || text[pos] === '\n' || (text[pos] === '\r' && text[pos + 1] === '\n');
}

/** Past the line break at the cursor (if any). */
function consumeLineEnd(text: string, cursor: Cursor): void {
  if (text[cursor.pos] === '\r') cursor.pos += 1;
  if (text[cursor.pos] === '\n') {
    cursor.pos += 1;
    cursor.line += 1;
  }
}

/** Past the end of the physical line the cursor is on. */
function skipLine(text: string, cursor: Cursor): void {
  const newline = text.indexOf('\n', cursor.pos);
  cursor.pos = newline === -1 ? text.length : newline + 1;
  if (newline !== -1) cursor.line += 1;
}

function readPlain(text: string, cursor: Cursor): string {
  const start = cursor.pos;
  while (text[cursor.pos] !== ',' && !atLineEnd(text, cursor.pos)) cursor.pos += 1;
  const cell = text.slice(start, cursor.pos);
  if (cell.includes('"')) throw new CsvLineError(`a quote inside an unquoted cell: ${cell.slice(0, 40)}`);
  return cell;
}

function readQuoted(text: string, cursor: Cursor): string {
  let cell = '';
  let pos = cursor.pos + 1;
  for (;;) {
    const quote = text.indexOf('"', pos);
    if (quote === -1) throw new CsvLineError('a quoted cell is never closed');
    const chunk = text.slice(pos, quote);
    cell += chunk;
    cursor.line += chunk.split('\n').length - 1;
    if (text[quote + 1] !== '"') {
      cursor.pos = quote + 1;
      break;
    }
    cell += '"';
    pos = quote + 2;
  }
  while (text[cursor.pos] === ' ' || text[cursor.pos] === '\t') cursor.pos += 1;
  if (text[cursor.pos] !== ',' && !atLineEnd(text, cursor.pos)) throw new CsvLineError('text after a closing quote');
  return cell;
}

function readRecord(text: string, cursor: Cursor): string[] {
  const cells: string[] = [];
  for (;;) {
    cells.push(text[cursor.pos] === '"' ? readQuoted(text, cursor) : readPlain(text, cursor));
    if (text[cursor.pos] !== ',') break;
    cursor.pos += 1;
  }
  consumeLineEnd(text, cursor);
  return cells;
}

/** Every record of the text; blank lines and rows of empty cells (",,,," from spreadsheets) are skipped. */
export function readCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const cursor: Cursor = { pos: 0, line: 1 };
  while (cursor.pos < text.length) {
    const start: Cursor = { ...cursor };
    try {
      const cells = readRecord(text, cursor);
      if (cells.some((cell) => cell.trim() !== '')) records.push({ line: start.line, cells });
    } catch (error) {
      if (!(error instanceof CsvLineError)) throw error;
      records.push({ line: start.line, error: error.message });
      // Resume on the line after the record's first line: a stray quote must not swallow the lines
      // after it (the price is a second error when a quoted cell really spans lines).
      Object.assign(cursor, start);
      skipLine(text, cursor);
    }
  }
  return records;
}
