import type { Point } from '../storage/line-protocol.ts';

/**
 * The field every rollup point carries (rollup schema 3, rollup-schema.ts): the names of the fields it
 * really holds. InfluxDB 1.x merges a point into the one stored at the same series and time (and 3.x
 * deduplicates the same way), so a field a review mark takes away (an hour's PM2.5, a day's AQI) would
 * otherwise stay with its old value, and the engine never DELETEs (rollup-engine.ts). Readers take a
 * field only if it is listed here. The Grafana dashboards, which cannot drop one field of a row, keep a
 * row for a field only when this list names it (`"fields_present" =~ /(^|,)field(,|$)/`): an InfluxQL
 * condition on a field a point lacks is false (1.x, and SQL nulls in 3.x), so the list must be on every
 * point, not only on those a mark touched. Points written before schema 3 gain it once
 * (fields-present-stamp.ts); until then a point without it holds all its fields, as presentOnly reads it.
 */
export const FIELDS_PRESENT = 'fields_present';

const keyOf = (point: Point) => `${point.measurement}|${JSON.stringify(Object.entries(point.tags).sort())}|${point.timeMs}`;

/** A point with the list of the fields it holds. */
const listed = (point: Point): Point => ({ ...point, fields: [...point.fields, [FIELDS_PRESENT, point.fields.map(([name]) => name).join(','), 'string']] });

/**
 * The points of a window as the engine writes them, each with its list of fields. For a window a review
 * mark touched (`unreviewed`: the points computed without the marks) also a tombstone listing none for a
 * point only the unreviewed computation has (a section's month whose every sample was marked), and the
 * unreviewed points themselves under `<measurement>_unreviewed`, so the figures before review stay beside
 * (issue 22 item 2).
 */
export function withFieldsPresent(reviewed: readonly Point[], unreviewed: readonly Point[] | null): Point[] {
  if (unreviewed === null) return reviewed.map(listed);
  const kept = new Set(reviewed.map(keyOf));
  const tombstones = unreviewed.filter((point) => !kept.has(keyOf(point))).map((point): Point => ({ ...point, fields: [[FIELDS_PRESENT, '', 'string']] }));
  return [...reviewed.map(listed), ...tombstones, ...unreviewed.map((point) => listed({ ...point, measurement: `${point.measurement}_unreviewed` }))];
}

/**
 * Whether a stored row is a tombstone: its point lists no field, because a review mark emptied it or a
 * recomputation no longer yields it (stale-points.ts). A reader leaves it out; InfluxDB keeps its old figures.
 */
export const isTombstone = (row: Readonly<Record<string, unknown>>): boolean => row[FIELDS_PRESENT] === '';

/** String fields of the rollups (tags come back as strings too, and are never stale). */
const stringFields = new Set(['primary', 'standard', 'class', 'grade', 'target_class', 'main_pollutants', 'main_pollutants_vs_target', 'tn_class']);

/** A stored row with the fields its point no longer holds set to null (see FIELDS_PRESENT). */
export function presentOnly<T extends Record<string, unknown>>(row: T): T {
  const list = row[FIELDS_PRESENT];
  if (typeof list !== 'string') return row;
  const present = new Set(list.split(',').filter(Boolean));
  const stale = (name: string, value: unknown) => name !== 'time' && !present.has(name) && (typeof value === 'number' || stringFields.has(name));
  return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, stale(name, value) ? null : value])) as T;
}

/** One row of an InfluxDB answer (its columns and values) as presentOnly gives it. */
export const presentRowOf = (columns: readonly string[], values: readonly unknown[]): Record<string, unknown> =>
  presentOnly(Object.fromEntries(columns.map((column, i) => [column, values[i]])));
