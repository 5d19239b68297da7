import { WanxiangError } from '../errors.ts';
import { getFamily } from '../families/index.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { deviceReportIntervalMs } from '../registry/report-interval.ts';
import { isTombstone, presentOnly } from '../rollups/fields-present.ts';
import { DAY_MS, beijingDay } from '../standards/beijing-time.ts';
import type { InfluxClient, Series } from '../storage/influx-client.ts';
import type { DataInterval } from '../hj212/intervals.ts';
import { flagMeaning, intervalSpanMs, type FlagMeaning } from './flag-meanings.ts';
import { markReasons } from './mark-schema.ts';
import { fieldsTakenOut } from './marked-fields.ts';
import type { ReviewService } from './review-service.ts';
import { suggestMarks, type SuggestedMark } from './suggestions.ts';

/** The longest range the review view draws at once: a week of 1-minute readings is 10,080 points a field. */
export const MAX_VIEW_DAYS = 7;

/**
 * The day figures the view sets before and after review, per family: the rollup a mark moves and the
 * fields an officer checks there (valid hours and the day's means for air, GB 3095 Table 4 / HJ 663).
 */
const dayFigures: Readonly<Record<string, { measurement: string; fields: readonly string[] }>> = {
  air: { measurement: 'air_daily', fields: ['valid_hours', 'pm25_ugm3', 'pm10_ugm3', 'o3_8h_ugm3', 'aqi', 'primary'] },
  water: { measurement: 'water_daily', fields: ['samples', 'class', 'meets_target'] },
  noise: { measurement: 'noise_daily', fields: ['day_leq_dba', 'night_leq_dba', 'day_complete', 'night_complete'] },
  grid: { measurement: 'grid_daily', fields: ['points', 'heavy_hours', 'overload_hours', 'max_load_pct'] },
  parking: { measurement: 'parking_daily', fields: ['mean_occupancy_pct', 'peak_occupancy_pct', 'busy_hours'] },
};

export interface ReviewViewDeps {
  readonly influx: InfluxClient;
  readonly review: ReviewService;
  readonly stuckAfter: number;
  /** Every device of a site (station or river section): the page offers to mark them all at once. */
  readonly devicesAtSite?: (site: string) => readonly DeviceRecord[];
}

/**
 * An instrument's HJ 212 data flag on one value (HJ 212-2017 Table 8), with the value it came with,
 * the period that value stands for (a real-time reading: one report interval; a station's own
 * minute, hour or day value: that interval from its DataTime), and what the letter means.
 */
export interface FlagOnReading {
  readonly timeMs: number;
  readonly toMs: number;
  readonly interval: DataInterval;
  readonly field: string;
  readonly flag: string;
  readonly value: number | null;
  readonly meaning: FlagMeaning;
}

/** The flag of one value, if it is one to draw: N is a valid value (Table 8); every other letter is drawn, invalid ones and T alike. */
function flagOf(row: Record<string, unknown>, field: string, timeMs: number, toMs: number, interval: DataInterval): FlagOnReading | null {
  const flag = row[`${field}_flag`];
  if (typeof flag !== 'string' || flag === 'N') return null;
  const value = row[field];
  const shown = typeof value === 'number' ? value : row[`${field}_invalid`];
  return { timeMs, toMs, interval, field, flag, value: typeof shown === 'number' ? shown : null, meaning: flagMeaning(flag) };
}

/**
 * The flags of a station's own minute, hour and day values (HJ 212 CN 2051/2061/2031), stored in
 * `<measurement>_hj212` tagged `interval` (services/hj212/intervals.ts): a station that sends only
 * hourly values, as the national network's do, has its flags there and nowhere else.
 */
async function stationFlagsOf(influx: InfluxClient, device: DeviceRecord, fields: readonly string[], fromMs: number, toMs: number): Promise<FlagOnReading[]> {
  const measurement = `${getFamily(device.family).measurement}_hj212`;
  const rows = rowsOf(await influx.query(`SELECT * FROM "${measurement}" WHERE "device" = '${device.id}' AND "interval" != 'rtd' AND time >= ${fromMs}ms AND time < ${toMs}ms`));
  return rows.flatMap((row) => {
    const interval = row.interval as Exclude<DataInterval, 'rtd'>;
    const span = intervalSpanMs[interval];
    if (span === undefined) return [];
    const timeMs = Number(row.time);
    return fields.flatMap((field) => flagOf(row, field, timeMs, timeMs + span, interval) ?? []);
  });
}

const rowsOf = (series: readonly Series[]) =>
  series.flatMap(({ columns, values }) => values.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]])) as Record<string, unknown>));

/** The device's readings, their flags and the invalid values stored beside (`<field>_invalid`). */
async function readingsOf(influx: InfluxClient, device: DeviceRecord, fields: readonly string[], fromMs: number, toMs: number) {
  const family = getFamily(device.family);
  const rows = rowsOf(await influx.query(`SELECT * FROM "${family.measurement}" WHERE "device" = '${device.id}' AND time >= ${fromMs}ms AND time < ${toMs}ms`));
  const times: number[] = [];
  const values: Record<string, Array<number | null>> = Object.fromEntries(fields.map((field) => [field, []]));
  const flags: FlagOnReading[] = [];
  const intervalMs = deviceReportIntervalMs(device);
  for (const row of rows) {
    const timeMs = Number(row.time);
    times.push(timeMs);
    for (const field of fields) {
      const value = row[field];
      values[field]!.push(typeof value === 'number' ? value : null);
      const flag = flagOf(row, field, timeMs, timeMs + intervalMs, 'rtd');
      if (flag) flags.push(flag);
    }
  }
  const stationFlags = await stationFlagsOf(influx, device, fields, fromMs, toMs);
  return { times, values, flags: [...flags, ...stationFlags].sort((a, b) => a.timeMs - b.timeMs) };
}

/** The day figures of each Beijing day in range, as reviewed and (where a mark ever touched the day) before review. */
async function daysOf(influx: InfluxClient, device: DeviceRecord, fromMs: number, toMs: number) {
  const figures = dayFigures[device.family];
  if (!figures) return { fields: [], days: [] };
  const select = [...figures.fields, 'fields_present'].map((field) => `"${field}"`).join(', ');
  const where = `"device" = '${device.id}' AND time >= ${fromMs - DAY_MS + 1}ms AND time < ${toMs}ms`;
  const [reviewed, unreviewed] = await Promise.all([
    influx.query(`SELECT ${select} FROM "${figures.measurement}" WHERE ${where}`),
    influx.query(`SELECT ${select} FROM "${figures.measurement}_unreviewed" WHERE ${where}`),
  ]);
  const pick = (row: Record<string, unknown>) => Object.fromEntries(figures.fields.map((field) => [field, row[field] ?? null]));
  // A tombstone is no day (rollups/stale-points.ts: a point a recomputation no longer yields, a device's old
  // tags), except where the marks emptied a day that has figures before review: it shows as emptied.
  const before = new Map(rowsOf(unreviewed).filter((row) => !isTombstone(row)).map((row) => [Number(row.time), pick(presentOnly(row))]));
  const live = rowsOf(reviewed).filter((row) => !isTombstone(row));
  const emptied = [...before.keys()].filter((timeMs) => !live.some((row) => Number(row.time) === timeMs)).map((timeMs) => ({ time: timeMs }));
  const days = [...live, ...emptied].sort((a, b) => Number(a.time) - Number(b.time)).map((row) => ({
    dayMs: Number(row.time), date: beijingDay(Number(row.time)), reviewed: pick(presentOnly(row)), unreviewed: before.get(Number(row.time)) ?? null,
  }));
  return { fields: figures.fields, days };
}

/**
 * Everything the officer's review page draws for one device and range (issue 22 item 1): its series,
 * the instrument flags on it, the marks (in force and revoked), the marks the data suggest, the
 * reasons a mark may give, and each day's figures reviewed and before review.
 */
export async function reviewView(deps: ReviewViewDeps, device: DeviceRecord, fromMs: number, toMs: number) {
  if (toMs <= fromMs || toMs - fromMs > MAX_VIEW_DAYS * DAY_MS) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `the review view shows at most ${MAX_VIEW_DAYS} days at once, to after from`);
  const family = getFamily(device.family);
  const described = Object.values(family.fields as Record<string, { field: string; unit?: string; description?: string }>);
  const fields = [...family.fieldTypes.keys()].map((field) => {
    const spec = described.find((entry) => entry.field === field);
    return { field, unit: spec?.unit ?? '', description: spec?.description ?? field };
  });
  const [readings, marks, suggestions, days] = await Promise.all([
    readingsOf(deps.influx, device, fields.map((entry) => entry.field), fromMs, toMs),
    deps.review.list({ device: device.id, fromMs, toMs }),
    suggestMarks({ influx: deps.influx, stuckAfter: deps.stuckAfter }, device, fromMs, toMs) as Promise<SuggestedMark[]>,
    daysOf(deps.influx, device, fromMs, toMs),
  ]);
  // A suggestion an officer has taken (a mark in force over its period and fields, the derived ones it takes with them included) is no longer one.
  const taken = (suggestion: SuggestedMark) => marks.some((mark) => mark.inForce && mark.fromMs <= suggestion.fromMs && mark.toMs >= suggestion.toMs
    && (mark.fields.length === 0 || (suggestion.fields.length > 0 && suggestion.fields.every((field) => fieldsTakenOut(mark).includes(field)))));
  return {
    device: { id: device.id, family: device.family, site: device.site, siteName: device.siteName, reportIntervalMs: deviceReportIntervalMs(device) },
    // A mark may name the site instead of the device (POST /api/v1/review/marks `site`): one family per mark.
    siteDevices: (deps.devicesAtSite?.(device.site) ?? [device]).map((entry) => ({ id: entry.id, family: entry.family })),
    fromMs, toMs, fields, readings, marks, suggestions: suggestions.filter((suggestion) => !taken(suggestion)),
    reasons: Object.entries(markReasons).map(([id, reason]) => ({ id, ...reason })),
    dayFigures: days,
  };
}
