import { WanxiangError } from '../errors.ts';
import { getFamily } from '../families/index.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { deviceReportIntervalMs } from '../registry/report-interval.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { DAY_MS } from '../standards/beijing-time.ts';
import { tableLetterOf } from '../hj212/intervals.ts';
import { intervalSpanMs } from './flag-meanings.ts';
import { reasonOfFlag, type MarkReason } from './mark-schema.ts';

/** A mark the data propose; it changes nothing until an officer takes it (issue 22 item 1). */
export interface SuggestedMark {
  readonly status: 'suggested';
  readonly source: 'hj212-flag' | 'stuck-sensor';
  readonly device: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly fields: readonly string[];
  readonly reason: MarkReason;
  readonly flag: string | null;
  readonly readings: number;
}

/** The longest range suggestions are looked for in at once. */
export const MAX_SUGGESTION_DAYS = 31;
/**
 * The most readings of one device the suggestions route and the review page's view read at once
 * (range ÷ report interval): each
 * reads every raw reading of the range twice (flags, stuck runs), so 31 days of a device reporting
 * each second (2.7 million rows) is refused; 31 days at one a minute (44,640) is well inside.
 */
export const MAX_SUGGESTION_READINGS = 100_000;

/** Refuses a range whose readings of this device, at its report interval, are past MAX_SUGGESTION_READINGS. */
export function assertSuggestionCost(device: Pick<DeviceRecord, 'id' | 'family' | 'reportIntervalMs'>, fromMs: number, toMs: number): void {
  const intervalMs = deviceReportIntervalMs(device);
  const readings = Math.ceil((toMs - fromMs) / intervalMs);
  if (readings <= MAX_SUGGESTION_READINGS) return;
  const days = Math.floor((MAX_SUGGESTION_READINGS * intervalMs) / DAY_MS * 10) / 10;
  throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `the review reads at most ${MAX_SUGGESTION_READINGS} readings of a device at once (suggestions, the review page); ${device.id} reports every ${intervalMs / 1000} s, so this range is ${readings} readings: ask for at most ${days} days`);
}

interface Row { readonly time: number; readonly values: ReadonlyArray<unknown> }

/** Consecutive readings sharing a key, as periods [first, last + one interval). */
function runs<K>(rows: readonly Row[], keyOf: (row: Row) => K | null, same: (a: K, b: K) => boolean, intervalMs: number, minLength: number) {
  const out: Array<{ key: K; fromMs: number; toMs: number; readings: number }> = [];
  let current: { key: K; fromMs: number; lastMs: number; readings: number } | null = null;
  const close = () => {
    if (current && current.readings >= minLength) out.push({ key: current.key, fromMs: current.fromMs, toMs: current.lastMs + intervalMs, readings: current.readings });
  };
  for (const row of rows) {
    const key = keyOf(row);
    if (key !== null && current && same(current.key, key)) {
      current.lastMs = row.time;
      current.readings += 1;
      continue;
    }
    close();
    current = key === null ? null : { key, fromMs: row.time, lastMs: row.time, readings: 1 };
  }
  close();
  return out;
}

/**
 * HJ 212-2017 Table 8 flags stored beside a value (`pm25_ugm3_flag="C"`, the HJ 212 ingest): every run
 * of one invalid flag on one field proposes a mark with the reason the flag names.
 */
async function flagSuggestions(influx: InfluxClient, device: DeviceRecord, fromMs: number, toMs: number): Promise<SuggestedMark[]> {
  const family = getFamily(device.family);
  const where = `"device" = '${device.id}' AND time >= ${fromMs}ms AND time < ${toMs}ms`;
  // Real-time readings, one report interval each; and a station's own minute, hour and day values
  // (`<measurement>_hj212`, one series per interval), each standing for its interval from DataTime.
  const [live, station] = await Promise.all([
    influx.query(`SELECT /_flag$/ FROM "${family.measurement}" WHERE ${where}`),
    influx.query(`SELECT /_flag$/ FROM "${family.measurement}_hj212" WHERE ${where} AND "interval" != 'rtd' GROUP BY "interval"`),
  ]);
  const out: SuggestedMark[] = [];
  const take = (series: typeof live, intervalOf: (tags: Record<string, string> | undefined) => number | undefined) => {
    for (const { columns, values, tags } of series) {
      const intervalMs = intervalOf(tags);
      if (intervalMs === undefined) continue;
      const rows = values.map((row) => ({ time: Number(row[0]), values: row }));
      columns.forEach((column, index) => {
        if (index === 0 || !column.endsWith('_flag')) return;
        const field = column.slice(0, -'_flag'.length);
        // A lower-case letter is Table 8's (intervals.ts, tableLetterOf).
        const letterOf = (value: unknown) => (typeof value === 'string' && reasonOfFlag[tableLetterOf(value)] ? tableLetterOf(value) : null);
        const found = runs(rows, (row) => letterOf(row.values[index]), (a, b) => a === b, intervalMs, 1);
        for (const run of found) out.push({ status: 'suggested', source: 'hj212-flag', device: device.id, fromMs: run.fromMs, toMs: run.toMs, fields: [field], reason: reasonOfFlag[run.key]!, flag: run.key, readings: run.readings });
      });
    }
  };
  take(live, () => deviceReportIntervalMs(device));
  take(station, (tags) => intervalSpanMs[tags?.interval as keyof typeof intervalSpanMs]);
  return out;
}

/**
 * The stuck-sensor rule of the ingest (services/ingest/stuck-detector.ts) over the stored readings:
 * `stuckAfter` or more readings in a row with every value the same propose a fault mark.
 */
async function stuckSuggestions(influx: InfluxClient, device: DeviceRecord, fromMs: number, toMs: number, stuckAfter: number): Promise<SuggestedMark[]> {
  const family = getFamily(device.family);
  const fields = [...family.fieldTypes.keys()];
  const series = await influx.query(`SELECT ${fields.map((field) => `"${field}"`).join(', ')} FROM "${family.measurement}" WHERE "device" = '${device.id}' AND time >= ${fromMs}ms AND time < ${toMs}ms`);
  const rows = (series[0]?.values ?? []).map((row) => ({ time: Number(row[0]), values: row }));
  const keyOf = (row: Row) => JSON.stringify(row.values.slice(1));
  return runs(rows, keyOf, (a, b) => a === b, deviceReportIntervalMs(device), stuckAfter).map((run) => ({
    status: 'suggested', source: 'stuck-sensor', device: device.id, fromMs: run.fromMs, toMs: run.toMs, fields: [], reason: 'fault', flag: 'D', readings: run.readings,
  }));
}

/** Suggested marks of one device over at most 31 days, oldest first. */
export async function suggestMarks(deps: { influx: InfluxClient; stuckAfter: number }, device: DeviceRecord, fromMs: number, toMs: number): Promise<SuggestedMark[]> {
  if (toMs <= fromMs || toMs - fromMs > MAX_SUGGESTION_DAYS * DAY_MS) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `suggestions are looked for in a range of at most ${MAX_SUGGESTION_DAYS} days, to after from`);
  const [flags, stuck] = await Promise.all([flagSuggestions(deps.influx, device, fromMs, toMs), stuckSuggestions(deps.influx, device, fromMs, toMs, deps.stuckAfter)]);
  return [...flags, ...stuck].sort((a, b) => a.fromMs - b.fromMs);
}
