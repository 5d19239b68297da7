import { z } from 'zod';
import { MIN_HOURS_PER_DAY, MIN_MINUTES_PER_HOUR } from '../standards/air-validity.ts';
import { defineFamily, type FamilyState, type PayloadValues, type RollupOutput, type RollupRow } from './define-family.ts';

/**
 * Waterlogging and rainstorm early warning (issue 25; plan l.2987-2991 构建智能化精准化城市灾害
 * 监测预警体系, l.1906-1908 加强排水管网排涝能力): water-depth gauges at underpasses and low
 * roads, and tipping-bucket rain gauges at street offices, in one family.
 *
 * A rain gauge reports the rainfall of the interval since its previous report (mm), as automatic
 * rain gauges report minute or 5-min rainfall; sums over hours (the rainstorm signals, the hour
 * and day totals) are the alarm rules' and rollups' work. A depth gauge reports the water over
 * the road surface (cm, 0 when dry).
 */

/** Depth levels a point is judged by when its registry record sets none (defaults to set per point: see docs/operators.md). */
export const defaultDepthLevelsCm = { caution: 15, impassable: 27 } as const;

// A 5-min rainfall of 100 mm has never been recorded anywhere (the world 1-min record is 38 mm):
// beyond it is a gauge fault. 300 cm of water over a road is an underpass filled to its roof.
const depthAttributes = z.strictObject({
  gauge: z.literal('depth'),
  /** The kind of low point, from the district's list of waterlogging points. */
  pointKind: z.enum(['underpass', 'low-road', 'tunnel', 'culvert']),
  /** Depths (cm) at which the point is "caution" and "impassable for cars"; the rules and the screen read them here. */
  cautionCm: z.number().positive().max(300).default(defaultDepthLevelsCm.caution),
  impassableCm: z.number().positive().max(300).default(defaultDepthLevelsCm.impassable),
  /** Where the name and place come from, or that they are illustrative. */
  source: z.string().min(1).max(200),
});
const rainAttributes = z.strictObject({
  gauge: z.literal('rain'),
  /** Bucket resolution in mm (0.1 or 0.2 for the usual tipping buckets, 0.5 for old ones). */
  resolutionMm: z.number().positive().max(1),
  source: z.string().min(1).max(200),
});

type Attributes = z.infer<typeof depthAttributes> | z.infer<typeof rainAttributes>;

const HOUR_MS = 3_600_000;
/**
 * HJ-style validity, as the air stations have it (GB 3095-2026 Table 4, HJ 663): a gauge's hour is
 * valid with 45 minutes of readings, a depth gauge's day with 20 valid hours. A reading stands
 * for the device's sampling interval as the rollup engine gives it: its registered `reportIntervalMs`
 * (no more than the gap its readings show), else that gap (services/rollups/sampling-interval.ts),
 * so readings that never arrived leave an hour short. Why this rule for depth gauges: no standard
 * says when a day of one stands, and this is the one the district's other automatic monitors are held
 * to; a day's deepest water and hours impassable from a few hours of readings may have missed the
 * storm. The meteorological rules for gauges are not checked here.
 */
export const validHourMinutes = MIN_MINUTES_PER_HOUR;
export const validDayHours = MIN_HOURS_PER_DAY;

/** The values of `field` in each clock hour of the Beijing day [startMs, endMs). */
function hourlyValues(day: { startMs: number; endMs: number }, rows: readonly RollupRow[], field: string): number[][] {
  const hours = Array.from({ length: Math.round((day.endMs - day.startMs) / HOUR_MS) }, (): number[] => []);
  for (const row of rows) {
    const value = row.fields[field];
    const hour = hours[Math.floor((row.time - day.startMs) / HOUR_MS)];
    if (value !== undefined && hour) hour.push(value);
  }
  return hours;
}

/** An hour's minutes of readings (never more than 60) and whether they make a valid hour. */
function hourCoverage(readings: number, samplingMinutes: number): { coverage_min: number; valid: 0 | 1 } {
  const coverage = Math.min(60, readings * samplingMinutes);
  return { coverage_min: coverage, valid: coverage >= validHourMinutes ? 1 : 0 };
}

/**
 * Issue 25, item 4, for a rain gauge: the rain of each clock hour (mm, with its coverage and
 * validity) and of the Beijing day (00:00-24:00; the meteorological day 20:00-20:00 is not used).
 */
function rainRollup(day: { startMs: number; endMs: number }, rows: readonly RollupRow[], samplingMinutes: number): RollupOutput[] {
  const out: RollupOutput[] = [];
  let validHours = 0;
  let maxHour = 0;
  let total = 0;
  hourlyValues(day, rows, 'rain_mm').forEach((values, index) => {
    if (values.length === 0) return;
    const rain = values.reduce((sum, value) => sum + value, 0);
    const coverage = hourCoverage(values.length, samplingMinutes);
    validHours += coverage.valid;
    maxHour = Math.max(maxHour, rain);
    total += rain;
    out.push({ measurement: 'waterlogging_hourly', fields: { rain_mm: round2(rain), ...coverage }, timeMs: day.startMs + index * HOUR_MS });
  });
  out.push({ measurement: 'waterlogging_daily', fields: { rain_mm: round2(total), max_hour_rain_mm: round2(maxHour), valid_hours: validHours }, timeMs: day.startMs });
  return out;
}

/**
 * Issue 25, item 4, for a depth gauge: each clock hour's deepest water, and the Beijing day's deepest
 * water and hours at or above each level, each with its coverage and validity (above). An invalid
 * hour or day keeps its coverage and `valid: 0` but gets no depth figures: a day with 6 hours of
 * readings is not a day without water, and the months and figures (rollupSummary) never count it,
 * as an invalid air day is no day of a month. A valid day's figures count every reading it has, the
 * few in its short hours too: more readings can only bring a maximum or a time above a level closer
 * to the truth (unlike a mean, which a part-hour would skew).
 */
function depthRollup(day: { startMs: number; endMs: number }, rows: readonly RollupRow[], attributes: z.infer<typeof depthAttributes>, samplingMinutes: number): RollupOutput[] {
  const hours = hourlyValues(day, rows, 'depth_cm');
  const depths = hours.flat();
  if (depths.length === 0) return [];
  const out: RollupOutput[] = [];
  let validHours = 0;
  hours.forEach((values, index) => {
    if (values.length === 0) return;
    const coverage = hourCoverage(values.length, samplingMinutes);
    validHours += coverage.valid;
    out.push({ measurement: 'waterlogging_hourly', fields: { ...(coverage.valid ? { max_depth_cm: maxOf(values) } : {}), ...coverage }, timeMs: day.startMs + index * HOUR_MS });
  });
  const valid = validHours >= validDayHours;
  const hoursAtOrAbove = (level: number) => round2((depths.filter((depth) => depth >= level).length * samplingMinutes) / 60);
  const figures: Record<string, number> = valid ? { max_depth_cm: maxOf(depths), hours_caution: hoursAtOrAbove(attributes.cautionCm), hours_impassable: hoursAtOrAbove(attributes.impassableCm) } : {};
  const coveragePct = round2(Math.min(100, (depths.length * samplingMinutes * 100) / 1_440));
  out.push({ measurement: 'waterlogging_daily', fields: { ...figures, coverage_pct: coveragePct, valid_hours: validHours, valid: valid ? 1 : 0 }, timeMs: day.startMs });
  return out;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
// Not Math.max(...values): a day of 1-second readings is more arguments than a call takes.
const maxOf = (values: readonly number[]) => values.reduce((max, value) => (value > max ? value : max), -Infinity);

function depthState(values: PayloadValues, attributes: Attributes): FamilyState | null {
  if (attributes.gauge !== 'depth' || values.depth === undefined) return null;
  const { depth } = values;
  if (depth >= attributes.impassableCm) return { severity: 3, label: 'impassable', value: depth, limit: attributes.impassableCm };
  if (depth >= attributes.cautionCm) return { severity: 2, label: 'caution', value: depth, limit: attributes.cautionCm };
  if (depth > 0) return { severity: 1, label: 'water', value: depth, limit: attributes.cautionCm };
  return { severity: 0, label: 'dry', value: depth, limit: attributes.cautionCm };
}

// A rain gauge's latest interval alone says how hard it rains now; the signals are the rules'.
function rainState(values: PayloadValues, attributes: Attributes): FamilyState | null {
  if (attributes.gauge !== 'rain' || values.rainfall === undefined) return null;
  const { rainfall } = values;
  return rainfall > 0 ? { severity: 1, label: 'raining', value: rainfall, limit: null } : { severity: 0, label: 'no-rain', value: rainfall, limit: null };
}

export const waterloggingFamily = defineFamily({
  id: 'waterlogging',
  title: 'Waterlogging point and rain gauge',
  measurement: 'waterlogging',
  reportIntervalMs: 5 * 60_000,
  qos: 1,
  fields: {
    depth: { label: { zh: '积水深度', en: 'Water depth' }, field: 'depth_cm', unit: 'cm', min: 0, max: 300, type: 'float', description: 'water over the road surface (depth gauges)' },
    rainfall: { label: { zh: '降雨量', en: 'Rainfall' }, field: 'rain_mm', unit: 'mm', min: 0, max: 100, type: 'float', description: 'rainfall since the previous report (rain gauges)' },
    battery: { label: { zh: '电池电压', en: 'Battery voltage' }, field: 'battery_v', unit: 'V', min: 0, max: 30, type: 'float', description: 'supply voltage (solar-powered gauges)' },
  },
  attributes: z.discriminatedUnion('gauge', [depthAttributes, rainAttributes]),
  tagsFrom: (attributes) => ({ gauge: attributes.gauge }),
  // A gauge measures one thing: a depth gauge sending rainfall (or the reverse) is misconfigured.
  inconsistency: (values) => (values.depth !== undefined && values.rainfall !== undefined ? 'a reading carries both depth and rainfall: one gauge measures one' : null),
  state: (values, attributes) => depthState(values, attributes) ?? rainState(values, attributes),
  dailyRollup: (day, rows, attributes, samplingMinutes) =>
    attributes.gauge === 'rain' ? rainRollup(day, rows, samplingMinutes) : depthRollup(day, rows, attributes, samplingMinutes),
  // Issue 25, item 4: a gauge's month from its days (rain per month per gauge; a point's deepest water and hours).
  rollupSummary: {
    // A depth gauge's invalid day (fewer than 20 valid hours, above) is no day of its month or of the figures.
    validFlag: 'valid',
    fields: {
      max_depth_cm: { combine: 'max', unit: 'cm', label: { zh: '最大积水深度', en: 'Deepest water' }, key: true },
      hours_caution: { combine: 'sum', across: 'max', unit: 'h', label: { zh: '警戒以上时长（最长点）', en: 'Hours at caution or above (longest point)' } },
      hours_impassable: { combine: 'sum', across: 'max', unit: 'h', label: { zh: '不宜通行时长（最长点）', en: 'Hours impassable (longest point)' }, key: true },
      rain_mm: { combine: 'sum', across: 'max', unit: 'mm', label: { zh: '雨量（最大站）', en: 'Rain (wettest gauge)' }, key: true },
      max_hour_rain_mm: { combine: 'max', unit: 'mm', label: { zh: '最大小时雨量', en: 'Wettest hour' } },
      valid_hours: { combine: 'sum', across: 'mean', unit: 'h', label: { zh: '有效小时', en: 'Valid hours' } },
    },
  },
  presentation: {
    label: { zh: '内涝积水与雨量', en: 'Waterlogging and rain' },
    shortLabel: { zh: '内涝', en: 'Flood' },
    headline: ['depth', 'rainfall'],
    symbol: 'path://M5,0 C5,0 10,6 10,9 A5,5 0 1 1 0,9 C0,6 5,0 5,0 Z',
    colour: '#2d9cdb',
    states: {
      dry: { zh: '无积水', en: 'Dry' },
      water: { zh: '有积水', en: 'Water' },
      caution: { zh: '警戒', en: 'Caution' },
      impassable: { zh: '不宜通行', en: 'Impassable' },
      'no-rain': { zh: '无降雨', en: 'No rain' },
      raining: { zh: '降雨中', en: 'Raining' },
    },
    ruleTitles: {
      'rain-1h-20mm': { zh: '1小时雨量达{limit}毫米', en: 'Hourly rain at {limit} mm' },
      'rain-signal-blue': { zh: '暴雨蓝色预警雨量', en: 'Rainstorm blue-signal rain' },
      'rain-signal-yellow': { zh: '暴雨黄色预警雨量', en: 'Rainstorm yellow-signal rain' },
      'rain-signal-orange': { zh: '暴雨橙色预警雨量', en: 'Rainstorm orange-signal rain' },
      'rain-signal-red': { zh: '暴雨红色预警雨量', en: 'Rainstorm red-signal rain' },
      'waterlogging-caution': { zh: '积水达警戒水深', en: 'Water at the caution depth' },
      'waterlogging-impassable': { zh: '积水车辆不宜通行', en: 'Water too deep for cars' },
    },
  },
});
