import type { BatchEntry } from '../storage/batch-entry.ts';

/**
 * A spool record holds one message's entries, so that one fsync covers one device message.
 * All entries of a message share family, device and hour, so a record is one header line
 * and then the lines of line protocol, one per entry:
 *
 *   \u0001{family}\t{device}\t{hour}\n{line}\n{line}...
 *
 * Line protocol never holds a line break or a control character (line-protocol.ts refuses
 * them), device ids and families never a tab, so the text splits unambiguously, and the
 * drainer reads it without JSON. Records from an earlier version (a JSON array of entries)
 * are still read.
 */
const marker = '\u0001';

export interface RecordMeta {
  readonly family?: string;
  readonly device?: string;
  readonly hour?: number;
}

/** A record's header line with its line break: the lines follow, joined by line breaks. */
export function recordHeader(meta: RecordMeta): string {
  return `${marker}${meta.family ?? ''}\t${meta.device ?? ''}\t${meta.hour ?? ''}\n`;
}

export function encodeLines(meta: RecordMeta, lines: readonly string[]): string {
  return recordHeader(meta) + lines.join('\n');
}

/** Entries as a record; entries that do not share one family, device and hour keep the JSON form. */
export function encodeRecord(entries: readonly BatchEntry[]): string {
  const first = entries[0];
  const shared = first !== undefined && first.line !== "" && entries.every((entry) => entry.family === first.family && entry.device === first.device && entry.hour === first.hour);
  return shared ? encodeLines(first, entries.map((entry) => entry.line)) : JSON.stringify(entries);
}

/** Appends a record's entries to `out`; returns how many. */
export function decodeRecord(record: string, out: BatchEntry[]): number {
  if (!record.startsWith(marker)) {
    const entries = JSON.parse(record) as BatchEntry[];
    for (const entry of entries) out.push(entry);
    return entries.length;
  }
  const headerEnd = record.indexOf('\n');
  const [familyText, deviceText, hourText] = record.slice(1, headerEnd).split('\t') as [string, string, string];
  // Entries of one shape (all four keys, absent ones undefined) keep the drainer's objects monomorphic.
  const family = familyText || undefined;
  const device = deviceText || undefined;
  const hour = hourText ? Number(hourText) : undefined;
  let count = 0;
  for (let at = headerEnd + 1; at < record.length; ) {
    let end = record.indexOf('\n', at);
    if (end === -1) end = record.length;
    out.push({ family, device, hour, line: record.slice(at, end), readings: 1 });
    count += 1;
    at = end + 1;
  }
  return count;
}

/**
 * Appends a record's entries to `out` as the drainer wants them: a record of the text form
 * becomes one entry whose `line` is all its lines (they share family, device and hour), so
 * no string or object is made per line. A record holding more than `maxLines` lines is
 * split line by line, so that no batch outgrows the write size. Returns how many readings.
 */
export function decodeRecordBlock(record: string, out: BatchEntry[], maxLines: number): number {
  if (!record.startsWith(marker)) return decodeRecord(record, out);
  const headerEnd = record.indexOf('\n');
  if (headerEnd === -1 || headerEnd + 1 >= record.length) return decodeRecord(record, out);
  let count = 1;
  for (let at = record.indexOf('\n', headerEnd + 1); at !== -1; at = record.indexOf('\n', at + 1)) count += 1;
  if (count > maxLines) return decodeRecord(record, out);
  const { family, device, hour } = headerMeta(record.slice(1, headerEnd));
  out.push({ family, device, hour, line: record.slice(headerEnd + 1), readings: count });
  return count;
}

// A device's records share one header an hour, so what a header says is kept rather than split
// out of every record (a single-reading load reads ~40,000 records a second). Bounded: it
// starts over past 10,000 headers.
let headers = new Map<string, RecordMeta>();
function headerMeta(header: string): RecordMeta {
  let meta = headers.get(header);
  if (meta === undefined) {
    const [familyText, deviceText, hourText] = header.split('\t') as [string, string, string];
    meta = { family: familyText || undefined, device: deviceText || undefined, hour: hourText ? Number(hourText) : undefined };
    if (headers.size >= 10_000) headers = new Map();
    headers.set(header, meta);
  }
  return meta;
}
