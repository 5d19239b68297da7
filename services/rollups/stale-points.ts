import type { InfluxClient, Series } from '../storage/influx-client.ts';
import type { Point } from '../storage/line-protocol.ts';
import { FIELDS_PRESENT } from './fields-present.ts';
import type { RollupSpan } from './rollup-types.ts';

/**
 * Stale rollup points. A recomputation overwrites the points it yields, but one it no longer yields
 * stays: a grid event a late reading merged into the one before (its old start), the second half of
 * an event a revoked mark had split, a device's series under the tags it had before the registry
 * changed. InfluxQL DELETE is not an option: the platform speaks only what InfluxDB 1.x, 2.x (v1
 * compatibility) and 3.x all serve (line protocol on /write, SELECT/SHOW on /query), and 1.x deletes
 * have lost unrelated points under concurrent writes (rollup-engine.ts). So such a point gets a
 * tombstone: the same series and time with `fields_present=""`, which the API, reports and Grafana
 * panels skip (fields-present.ts).
 *
 * Found after the window's points are written, so that every point it yields is stored: a series whose
 * stored count of live points (`fields_present != ''`; a tombstone is not counted again) differs from
 * what the window yields holds a stale one. Only then are that series' times read. A point without any
 * fields_present (before rollup schema 3, in a shard whose fields_present InfluxDB will not take as a
 * string, fields-present-stamp.ts) is not in either answer: 1.x leaves a point out of a selection of a
 * field it lacks, and no tombstone could be written for it anyway.
 *
 * Cost on a city registry (10,000 transformers), for a grid window: one count per measurement, which
 * InfluxDB answers from the day's ~960,000 grid_load_15min, 10,000 grid_daily and few grid_events
 * points with one row per series (~10,000 rows, ~1 MB), beside the window's own read of four days
 * of raw readings (≥ 3.8 million rows) and write of ~970,000 lines. Times are read only for the
 * series that hold a stale point, by device where that names them (a few hundred rows), else the
 * span in slices of about `rowsPerRead` rows.
 */
export const staleRowsPerRead = 20_000;
/** Up to this many devices, the times of stale series are read by device; beyond, the whole span. */
const devicesPerRead = 100;

export interface StaleOptions {
  /** About how many rows a read of times brings back (staleRowsPerRead). */
  readonly rowsPerRead?: number;
}

/** A series by its tags: InfluxDB 1.x answers a tag the series lacks (but others have) as ''. */
const seriesKeyOf = (tags: Readonly<Record<string, string>>): string =>
  JSON.stringify(Object.entries(tags).filter(([, value]) => value !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const tagsOf = (series: Series): Record<string, string> => Object.fromEntries(Object.entries(series.tags ?? {}).filter(([, value]) => value !== ''));
const quoted = (value: string) => `'${value.replace(/['\\]/g, (c) => `\\${c}`)}'`;

const isLive = (point: Point) => point.fields.some(([name, value]) => name === FIELDS_PRESENT && value !== '');
const within = (span: RollupSpan, timeMs: number) => timeMs >= span.fromMs && timeMs < span.toMs;

/** The times of the live points a recomputation wrote in a span, by series. */
function yielded(span: RollupSpan, written: readonly Point[]): Map<string, Set<number>> {
  const bySeries = new Map<string, Set<number>>();
  for (const point of written) {
    if (point.measurement !== span.measurement || !within(span, point.timeMs) || !isLive(point)) continue;
    const key = seriesKeyOf(point.tags);
    (bySeries.get(key) ?? bySeries.set(key, new Set()).get(key)!).add(point.timeMs);
  }
  return bySeries;
}

const liveIn = (span: RollupSpan, fromMs = span.fromMs, toMs = span.toMs) =>
  `"${FIELDS_PRESENT}" != '' AND time >= ${fromMs}ms AND time < ${toMs}ms`;

/**
 * The tombstones of a span's stored points that `written` (every point the recomputation wrote, in
 * any measurement, tombstones included) no longer holds. Call it after `written` is stored.
 */
export async function staleTombstones(influx: InfluxClient, span: RollupSpan, written: readonly Point[], options: StaleOptions = {}): Promise<Point[]> {
  const yields = yielded(span, written);
  const counted = await influx.query(`SELECT count("${FIELDS_PRESENT}") FROM "${span.measurement}" WHERE ${liveIn(span)} GROUP BY *`);
  const stale = counted.filter((series) => Number(series.values[0]?.[1] ?? 0) !== (yields.get(seriesKeyOf(tagsOf(series)))?.size ?? 0));
  if (stale.length === 0) return [];
  const suspects = new Set(stale.map((series) => seriesKeyOf(tagsOf(series))));
  const devices = [...new Set(stale.map((series) => tagsOf(series).device))];
  const byDevice = devices.length <= devicesPerRead && devices.every((device) => device !== undefined);
  const rows = (byDevice ? stale : counted).reduce((sum, series) => sum + Number(series.values[0]?.[1] ?? 0), 0);
  const which = byDevice ? ` AND (${devices.map((device) => `"device" = ${quoted(device!)}`).join(' OR ')})` : '';
  // Slices of about rowsPerRead rows: a rollup's points lie at regular instants, so rows spread evenly.
  const slices = Math.max(1, Math.ceil(rows / (options.rowsPerRead ?? staleRowsPerRead)));
  const width = Math.ceil((span.toMs - span.fromMs) / slices);
  const tombstones: Point[] = [];
  for (let from = span.fromMs; from < span.toMs; from += width) {
    const answer = await influx.query(`SELECT "${FIELDS_PRESENT}" FROM "${span.measurement}" WHERE ${liveIn(span, from, Math.min(from + width, span.toMs))}${which} GROUP BY *`);
    for (const series of answer) {
      const tags = tagsOf(series);
      const key = seriesKeyOf(tags);
      if (!suspects.has(key)) continue;
      const kept = yields.get(key);
      for (const [time] of series.values) {
        if (typeof time === 'number' && !kept?.has(time)) tombstones.push({ measurement: span.measurement, tags, fields: [[FIELDS_PRESENT, '', 'string']], timeMs: time });
      }
    }
  }
  return tombstones;
}

/** The run's shared spans (RollupSpan.shared), each with the days that wrote it and every point they yielded there. */
export type SharedSpans<Window> = Map<string, { readonly span: RollupSpan; readonly windows: Window[]; readonly written: Point[] }>;

/** Adds a day's shared spans, and the points it wrote in them, to the run's. */
export function shareSpans<Window>(shared: SharedSpans<Window>, window: Window, spans: readonly RollupSpan[], written: readonly Point[]): void {
  for (const span of spans) {
    const key = `${span.measurement}|${span.fromMs}|${span.toMs}`;
    const entry = shared.get(key) ?? shared.set(key, { span, windows: [], written: [] }).get(key)!;
    entry.windows.push(window);
    for (const point of written) if (point.measurement === span.measurement && within(span, point.timeMs)) entry.written.push(point);
  }
}
