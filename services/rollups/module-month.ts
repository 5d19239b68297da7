import type { FamilyId } from '../families/index.ts';
import { beijingMonthStartMs, beijingYearMonth } from '../standards/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { Point } from '../storage/line-protocol.ts';
import { FIELDS_PRESENT, isTombstone, presentRowOf } from './fields-present.ts';
import type { RollupSpan } from './rollup-types.ts';
import { summaryMeasurements, summaryOf, summaryPointFields, summaryReads, type SummaryFields } from './summary-combine.ts';

/** The Beijing month [from, to) an instant falls in. */
export function monthOf(timeMs: number): { fromMs: number; toMs: number } {
  const { year, month } = beijingYearMonth(timeMs);
  return { fromMs: beijingMonthStartMs(year, month), toMs: beijingMonthStartMs(year, month + 1) };
}

/** Each series of a daily measurement over a month, combined over its days into one point at the month's start. */
async function monthOfSeries(influx: InfluxClient, family: FamilyId, daily: string, monthly: string, month: { fromMs: number; toMs: number }): Promise<Point[]> {
  const summary = summaryOf(family)!;
  const fields = summaryReads(summary).map((field) => `"${field}"`).join(', ');
  // With each day's fields_present: a day a review mark emptied is a tombstone whose old figures InfluxDB
  // keeps (fields-present.ts); read without the list they counted in the month (red team 11).
  const series = await influx.query(`SELECT ${fields}, "${FIELDS_PRESENT}" FROM "${daily}" WHERE time >= ${month.fromMs}ms AND time < ${month.toMs}ms GROUP BY *`);
  return series.flatMap(({ tags, columns, values }) => {
    // A day a recomputation no longer yields (stale-points.ts) is no day of the month; a series without one has no month.
    const rows = values.map((row) => presentRowOf(columns, row)).filter((row) => !isTombstone(row));
    if (rows.length === 0) return [];
    const days: SummaryFields[] = rows.map((present) => {
      return Object.fromEntries(Object.entries(present).filter(([column]) => column !== FIELDS_PRESENT).map(([column, value]) => [column, typeof value === 'number' ? value : null]));
    });
    const entries = Object.entries(summaryPointFields(summary, days, 'days'));
    // The month lists its fields too, so a figure its days no longer give is not read from the point stored before.
    const fieldsPresent: [string, string, 'string'] = [FIELDS_PRESENT, entries.map(([name]) => name).join(','), 'string'];
    return [{ measurement: monthly, tags: { ...tags }, fields: [...entries.map(([name, value]) => [name, value, 'float'] as const), fieldsPresent], timeMs: month.fromMs }];
  });
}

/** The months moduleMonthPoints writes: what a month's recomputation answers for (stale-points.ts). */
export function moduleMonthSpans(family: FamilyId, timeMs: number): RollupSpan[] {
  if (!summaryOf(family)) return [];
  const names = summaryMeasurements(family);
  const month = monthOf(timeMs);
  return [names.monthly, ...(names.group ? [names.group.monthly] : [])].map((measurement) => ({ measurement, ...month }));
}

/**
 * Issue 25, item 4: the month of a family whose module declares a `rollupSummary`, per device and
 * per group (a station), from the daily points already written: a day's recomputation (a late
 * reading, a review mark) rewrites its month too. One point per series and month, overwritten
 * in place like every rollup.
 */
export async function moduleMonthPoints(influx: InfluxClient, family: FamilyId, timeMs: number): Promise<Point[]> {
  if (!summaryOf(family)) return [];
  const names = summaryMeasurements(family);
  const month = monthOf(timeMs);
  const devices = await monthOfSeries(influx, family, names.daily, names.monthly, month);
  const groups = names.group ? await monthOfSeries(influx, family, names.group.daily, names.group.monthly, month) : [];
  return [...devices, ...groups];
}
