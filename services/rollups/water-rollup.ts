import { beijingMonthStartMs, beijingYearMonth, evaluateWaterSection, waterClassRank, waterSectionRank, type WaterSample, type WaterTargetClass, type Waterbody } from '../standards/index.ts';
import type { Point } from '../storage/line-protocol.ts';
import { waterFamily } from '../families/water.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { daySpans, meanOf, type FamilyRollup, type RawRow } from './rollup-types.ts';
import { deviceTags } from '../registry/device-tags.ts';
import { withStationHours } from './station-hour-samples.ts';

export const waterDailyMeasurement = 'water_daily';
export const waterMonthlyMeasurement = 'water_monthly';

/** Each GB 3838 parameter the sections measure → its InfluxDB field, as the water family stores it. */
export const parameterFields = Object.fromEntries(
  (['ph', 'do', 'codmn', 'cod', 'nh3n', 'tp', 'tn'] as const).map((parameter) => [parameter, waterFamily.fields[parameter].field]),
) as Record<'ph' | 'do' | 'codmn' | 'cod' | 'nh3n' | 'tp' | 'tn', string>;

/** The section's class from the period's mean concentrations (the 2011 single-factor method). */
export function waterClassPoint(measurement: string, device: DeviceRecord, rows: readonly RawRow[], timeMs: number): Point | null {
  if (rows.length === 0) return null;
  const sample: WaterSample = {};
  for (const [parameter, field] of Object.entries(parameterFields)) sample[parameter as keyof WaterSample] = meanOf(rows, field);
  const { waterbody, targetClass } = device.attributes as { waterbody: Waterbody; targetClass: WaterTargetClass };
  // Readings without any item of the class (a gauge's level and flow, TN): no class for the period, and
  // never an error, which failed the day of every section (环办〔2011〕22号: the class is of the 21 items).
  if (waterSectionRank(sample, waterbody) === null) return null;
  // Means are rounded half to even to the 2020 decimals inside evaluateWaterSection before classifying.
  const result = evaluateWaterSection(sample, { waterbody, targetClass });
  const fields: Point['fields'] = [
    ['class', result.class, 'string'],
    ['class_rank', waterClassRank(result.class), 'int'],
    ['target_class', targetClass, 'string'],
    ['meets_target', result.meetsTarget ? 1 : 0, 'int'],
    ['grade', result.grade, 'string'],
    // The bureau's table: against Class III (环办〔2011〕22号); the target-based column beside, named.
    ['main_pollutants', result.mainPollutantsNational.map((pollutant) => pollutant.label).join('、'), 'string'],
    ['main_pollutants_vs_target', result.mainPollutants.map((pollutant) => pollutant.label).join('、'), 'string'],
    ['samples', rows.length, 'int'],
    // Lakes and reservoirs: TN's own class beside the section class (环办〔2011〕22号 "总氮单独评价").
    ...(result.tnClass === null ? [] : [['tn_class', result.tnClass, 'string'] as [string, string, 'string']]),
    ...Object.entries(parameterFields).flatMap(([parameter, field]) => {
      const value = sample[parameter as keyof WaterSample];
      return typeof value === 'number' ? [[`${field}_mean`, value, 'float'] as [string, number, 'float']] : [];
    }),
  ];
  return { measurement, tags: deviceTags(device), fields, timeMs };
}

/** Water: each section's class per day and per calendar month (Beijing time). */
export const waterRollup: FamilyRollup = {
  family: 'water',
  rawRange: (window) => {
    const { year, month } = beijingYearMonth(window.startMs);
    return { fromMs: beijingMonthStartMs(year, month), toMs: beijingMonthStartMs(year, month + 1) };
  },
  alsoDirty: () => [],
  measurements: () => [waterDailyMeasurement, waterMonthlyMeasurement],
  // The month's point is written by each of its days, from the same month of samples.
  spans(window) {
    const month = this.rawRange(window);
    return [...daySpans(window, [waterDailyMeasurement]), { measurement: waterMonthlyMeasurement, fromMs: month.fromMs, toMs: month.toMs, shared: true }];
  },
  // A station's own hours (HJ 212 2061) are samples of its section (station-hours.ts).
  usesStationHours: true,
  compute(window, rowsByDevice, devices, context) {
    const { fromMs } = this.rawRange(window);
    const points: Point[] = [];
    for (const device of devices) {
      const rows = withStationHours(rowsByDevice.get(device.id) ?? [], context?.stationHours?.get(device.id));
      const day = waterClassPoint(waterDailyMeasurement, device, rows.filter((row) => row.time >= window.startMs && row.time < window.endMs), window.startMs);
      const month = waterClassPoint(waterMonthlyMeasurement, device, rows, fromMs);
      if (day) points.push(day);
      if (month) points.push(month);
    }
    return points;
  },
};
