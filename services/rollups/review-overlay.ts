import type { DeviceRecord } from '../registry/registry-schema.ts';
import { applyMarks, effectiveMarks, marksTouching } from '../review/effective-marks.ts';
import type { MarkRecord, ReviewRecord } from '../review/mark-schema.ts';
import type { RawRow } from './rollup-types.ts';

/** The review history as one rollup run sees it. */
export interface ReviewState {
  readonly all: readonly MarkRecord[];
  readonly effective: readonly MarkRecord[];
}

export interface ReviewSource {
  state(): Promise<ReviewState>;
}

export function reviewStateOf(history: readonly ReviewRecord[]): ReviewState {
  return { all: history.filter((record): record is MarkRecord => record.action === 'mark'), effective: effectiveMarks(history) };
}

/**
 * The rows a rollup computes from once the officers' marks in force are applied (issue 22 item 2),
 * and whether any mark (in force or revoked) ever touched the window, so its unreviewed figures
 * are written beside and kept current after a revocation.
 */
export function reviewedRows(review: ReviewState | null, rows: ReadonlyMap<string, readonly RawRow[]>, devices: readonly DeviceRecord[], range: { fromMs: number; toMs: number }): { rows: ReadonlyMap<string, readonly RawRow[]>; touched: boolean } {
  if (!review || review.all.length === 0) return { rows, touched: false };
  const ids = new Set(devices.map((device) => device.id));
  const touched = marksTouching(review.all, ids, range.fromMs, range.toMs).length > 0;
  if (!touched) return { rows, touched };
  return { rows: applyMarks(rows, marksTouching(review.effective, ids, range.fromMs, range.toMs)), touched };
}
