import type { RawRow } from '../rollups/rollup-types.ts';
import type { MarkRecord, ReviewRecord } from './mark-schema.ts';
import { fieldsTakenOut } from './marked-fields.ts';

/** The marks in force: every mark no later record revokes (HJ 818's review: the last word stands). */
export function effectiveMarks(history: readonly ReviewRecord[]): MarkRecord[] {
  const revoked = new Set(history.flatMap((record) => (record.action === 'revoke' ? [record.revokes] : [])));
  return history.filter((record): record is MarkRecord => record.action === 'mark' && !revoked.has(record.id));
}

/** The marks, in force or not, whose period reaches into [fromMs, toMs) for one of the devices. */
export function marksTouching(marks: readonly MarkRecord[], deviceIds: ReadonlySet<string> | null, fromMs: number, toMs: number): MarkRecord[] {
  return marks.filter((mark) => mark.fromMs < toMs && mark.toMs > fromMs && (deviceIds === null || mark.devices.some((id) => deviceIds.has(id))));
}

/**
 * A device's raw rows with what the marks invalidate taken out: a marked field, and every field
 * derived from it (marked-fields.ts), is dropped from each reading in [from, to); a mark of every
 * field drops the reading. Coverage is then counted from what is left, so an hour with more than 15
 * marked minutes is no longer a valid hour (GB 3095 Table 4).
 */
export function withoutMarked(rows: readonly RawRow[], marks: readonly MarkRecord[]): RawRow[] {
  if (marks.length === 0) return [...rows];
  const taken = marks.map((mark) => ({ fromMs: mark.fromMs, toMs: mark.toMs, fields: fieldsTakenOut(mark) }));
  const out: RawRow[] = [];
  for (const row of rows) {
    const covering = taken.filter((mark) => row.time >= mark.fromMs && row.time < mark.toMs);
    if (covering.length === 0) {
      out.push(row);
      continue;
    }
    if (covering.some((mark) => mark.fields.length === 0)) continue;
    const dropped = new Set(covering.flatMap((mark) => mark.fields));
    const fields = Object.fromEntries(Object.entries(row.fields).filter(([name]) => !dropped.has(name)));
    if (Object.keys(fields).length > 0) out.push({ time: row.time, fields });
  }
  return out;
}

/** Every device's rows of a family with the marks in force applied. */
export function applyMarks(rowsByDevice: ReadonlyMap<string, readonly RawRow[]>, marks: readonly MarkRecord[]): Map<string, RawRow[]> {
  const out = new Map<string, RawRow[]>();
  for (const [device, rows] of rowsByDevice) out.set(device, withoutMarked(rows, marks.filter((mark) => mark.devices.includes(device))));
  return out;
}
