import { z } from 'zod';
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
// An hour's rainfall is valid with 45 minutes of readings, as GB 3095-2012 Table 4 asks of an hourly
// value at an air station (HJ-style validity; the meteorological rule for gauges is not checked here).
export const validHourMinutes = 45;

/**
 * Issue 25, item 4, for a rain gauge: the rain of each clock hour (mm, with its coverage and
 * validity) and of the Beijing day (00:00-24:00; the meteorological day 20:00-20:00 is not used).
 */
function rainRollup(day: { startMs: number; endMs: number }, rows: readonly RollupRow[], samplingMinutes: number): RollupOutput[] {
  const hours = Array.from({ length: Math.round((day.endMs - day.startMs) / HOUR_MS) }, () => ({ rain: 0, readings: 0 }));
  for (const row of rows) {
    const rain = row.fields.rain_mm;
    const hour = hours[Math.floor((row.time - day.startMs) / HOUR_MS)];
    if (rain === undefined || !hour) continue;
    hour.rain += rain;
    hour.readings += 1;
  }
  const out: RollupOutput[] = [];
  let validHours = 0;
  let maxHour = 0;
  hours.forEach((hour, index) => {
    if (hour.readings === 0) return;
    const coverage = Math.min(60, hour.readings * samplingMinutes);
    const valid = coverage >= validHourMinutes;
    if (valid) validHours += 1;
    maxHour = Math.max(maxHour, hour.rain);
    out.push({ measurement: 'waterlogging_hourly', fields: { rain_mm: round2(hour.rain), coverage_min: coverage, valid: valid ? 1 : 0 }, timeMs: day.startMs + index * HOUR_MS });
  });
  const total = hours.reduce((sum, hour) => sum + hour.rain, 0);
  out.push({ measurement: 'waterlogging_daily', fields: { rain_mm: round2(total), max_hour_rain_mm: round2(maxHour), valid_hours: validHours }, timeMs: day.startMs });
  return out;
}

/** Issue 25, item 4, for a depth gauge: the day's deepest water and the hours at or above each level. */
function depthRollup(day: { startMs: number }, rows: readonly RollupRow[], attributes: z.infer<typeof depthAttributes>, samplingMinutes: number): RollupOutput[] {
  const depths = rows.map((row) => row.fields.depth_cm).filter((depth): depth is number => depth !== undefined);
  if (depths.length === 0) return [];
  const hoursAtOrAbove = (level: number) => round2((depths.filter((depth) => depth >= level).length * samplingMinutes) / 60);
  return [{
    measurement: 'waterlogging_daily',
    fields: {
      max_depth_cm: Math.max(...depths), hours_caution: hoursAtOrAbove(attributes.cautionCm), hours_impassable: hoursAtOrAbove(attributes.impassableCm),
      coverage_pct: round2(Math.min(100, (depths.length * samplingMinutes * 100) / 1_440)),
    },
    timeMs: day.startMs,
  }];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

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
