import { noiseDailyMeasurement } from '../../services/rollups/noise-rollup.ts';
import { airDistrictDailyMeasurement } from '../../services/rollups/air-rollup.ts';
import { gridDailyMeasurement } from '../../services/rollups/grid-rollup.ts';
import { parkingDailyMeasurement } from '../../services/rollups/parking-rollup.ts';
import { waterDailyMeasurement } from '../../services/rollups/water-rollup.ts';
import { airFamily } from '../../services/families/air.ts';
import type { RuleId, Target } from '../../services/compliance/targets.ts';
import { WATER_CLASSES, waterClassRank, type WaterClass } from '../../services/standards/index.ts';
import { holding, ident, InfluxQueryBuilder } from './influx-query.ts';
import type { RollupSchema } from './rollup-schema.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';

/** A target's series as Grafana draws it: the queries, the unit, and the target as a threshold. */
export interface TargetSeries {
  /** The chart's queries (the series and, where it differs, the value to date). */
  readonly queries: InfluxQueryBuilder[];
  /** The tile's query: the value the plan holds to the target, over the panel's range. */
  readonly tile: InfluxQueryBuilder;
  readonly unit: string;
  /** The plan's value on the series' scale (a class as its rank); none for a target that only reports. */
  readonly threshold: number | null;
  readonly lowerIsWorse: boolean;
  readonly valueText?: readonly string[];
  readonly note: string;
}

// Beijing days: 1d buckets shifted to 16:00 UTC. An outer query over a subquery needs its own
// $timeFilter for GROUP BY time() to have a range (InfluxDB 1.x answers nothing without it).
const daily = 'GROUP BY time(1d, -8h) fill(none)';
const listRegex = (values: readonly string[]) => `/^(${values.map((value) => value.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|')})$/`;

/**
 * Each rule of seeds/targets.json as a series over the dashboard's time range, from the
 * same rollup measurements the compliance rules read (services/compliance/rules). InfluxQL
 * has no comparisons in SELECT; a share of days is a mean of 0/1 indicators built with
 * floor/ceil (InfluxDB ≥ 1.6 math functions).
 */
export function targetSeries(target: Target, schema: RollupSchema, devices: readonly DeviceRecord[]): TargetSeries | null {
  const f = (measurement: string, field: string) => ident(schema.field(measurement, field));
  // Each rollup read keeps the rows that hold its fields (a review mark's tombstone keeps its old figures: influx-query.ts holding).
  const holds = (...fields: string[]) => holding(...fields).join(' AND ');
  const series: Record<Exclude<RuleId, 'manual'>, () => TargetSeries> = {
    'air.pm25-annual-mean': () => {
      const pm25 = f(airDistrictDailyMeasurement, airFamily.fields.pm25.field);
      const valid = `${f(airDistrictDailyMeasurement, 'valid')} = 1 AND ${holds(airFamily.fields.pm25.field, 'valid')} AND $timeFilter`;
      const toDate = () => new InfluxQueryBuilder(`SELECT cumulative_sum(sum(${pm25})) / cumulative_sum(count(${pm25})) AS "to_date" FROM ${ident(airDistrictDailyMeasurement)} WHERE ${valid} ${daily}`).alias('累计均值 mean to date');
      return {
        queries: [new InfluxQueryBuilder(`SELECT mean(${pm25}) AS "daily" FROM ${ident(airDistrictDailyMeasurement)} WHERE ${valid} ${daily}`).alias('日均值 daily mean'), toDate()],
        tile: toDate(),
        unit: 'suffix: µg/m³', threshold: Number(target.value), lowerIsWorse: false,
        note: 'District daily PM2.5 of valid days (GB 3095) and its running mean: the annual mean the plan holds to its target.',
      };
    },
    'air.good-day-ratio': () => {
      // HJ 633: a good day has AQI ≤ 100, i.e. level 1 or 2: ceil(floor(2 / level) / 2) is 1 for those, else 0.
      const good = `SELECT ceil(floor(2 / ${f(airDistrictDailyMeasurement, 'aqi_level')}) / 2) AS "good" FROM ${ident(airDistrictDailyMeasurement)} WHERE ${f(airDistrictDailyMeasurement, 'valid')} = 1 AND ${holds('aqi_level', 'valid')} AND $timeFilter`;
      const share = () => new InfluxQueryBuilder(`SELECT 100 * cumulative_sum(sum("good")) / cumulative_sum(count("good")) AS "share" FROM (${good}) WHERE $timeFilter ${daily}`).alias('优良天数比例 share of good days');
      return {
        queries: [share()],
        tile: share(),
        unit: 'percent', threshold: Number(target.value), lowerIsWorse: true,
        note: 'Share of valid days with AQI ≤ 100 (HJ 633), from the start of the time range.',
      };
    },
    'water.section-class': () => {
      const dailyClass = () => new InfluxQueryBuilder(`SELECT max(${f(waterDailyMeasurement, 'class_rank')}) AS "class" FROM ${ident(waterDailyMeasurement)} WHERE "site" = '${target.site}' AND ${holds('class_rank')} AND $timeFilter ${daily}`).alias('水质类别 class');
      return {
        queries: [dailyClass()],
        tile: dailyClass(),
        unit: 'none', threshold: waterClassRank(String(target.value) as WaterClass), lowerIsWorse: false, valueText: WATER_CLASSES,
        note: `Daily class of section ${target.site} (GB 3838-2002 single-factor), against Class ${target.value}.`,
      };
    },
    'water.section-months-meeting-target': () => {
      // InfluxQL cannot group by calendar month: the chart shows the section's daily class against
      // its target; the compliance report counts the months (monthly means, GB 3838-2002).
      const section = devices.find((device) => device.family === 'water' && device.site === target.site);
      if (!section) throw new Error(`target ${target.id}: no water section ${String(target.site)} in the registry`);
      const targetClass = String((section.attributes as { targetClass: string }).targetClass) as WaterClass;
      const dailyClass = () => new InfluxQueryBuilder(`SELECT max(${f(waterDailyMeasurement, 'class_rank')}) AS "class" FROM ${ident(waterDailyMeasurement)} WHERE "site" = '${target.site}' AND ${holds('class_rank')} AND $timeFilter ${daily}`).alias('水质类别 class');
      return {
        queries: [dailyClass()],
        tile: dailyClass(),
        // Half a rank above the target class, so the target class itself stays green.
        unit: 'none', threshold: waterClassRank(targetClass) + 0.5, lowerIsWorse: false, valueText: WATER_CLASSES,
        note: `Daily class of ${target.site} against its target Class ${targetClass}; the plan counts the months whose mean meets it (TN evaluated separately).`,
      };
    },
    'water.sections-class-v-share': () => {
      // Class V or better: rank ≤ 4, i.e. floor(5.5 / (rank + 1)) ≥ 1.
      const ok = `SELECT ceil(floor(5.5 / (${f(waterDailyMeasurement, 'class_rank')} + 1)) / 10) AS "ok" FROM ${ident(waterDailyMeasurement)} WHERE ${holds('class_rank')} AND $timeFilter`;
      const share = () => new InfluxQueryBuilder(`SELECT 100 * mean("ok") AS "share" FROM (${ok}) WHERE $timeFilter ${daily}`).alias('Ⅴ类及以上比例 share at Class V or better');
      return {
        queries: [share()],
        tile: share(),
        unit: 'percent', threshold: Number(target.value), lowerIsWorse: true,
        note: 'Share of the sections classed each day at Class V or better.',
      };
    },
    'noise.trunk-road-night-leq': () => {
      const nights = () => new InfluxQueryBuilder(`SELECT max(${f(noiseDailyMeasurement, 'night_leq_dba')}) AS "night" FROM ${ident(noiseDailyMeasurement)} WHERE "road" =~ ${listRegex(target.roads ?? [])} AND ${holds('night_leq_dba')} AND $timeFilter GROUP BY time(1d, -8h), "road" fill(none)`).alias('$tag_road');
      return {
        queries: [nights()],
        tile: nights(),
        unit: 'suffix: dB(A)', threshold: Number(target.value), lowerIsWorse: false,
        note: `Night Leq (22-06) on ${(target.roads ?? []).join(', ')}, per road and night (loudest monitor).`,
      };
    },
    'grid.heavy-load-transformers': () => {
      // ceil(max(events) / 1000) is 1 for a transformer with at least one sustained heavy-load event, else 0.
      const heavy = (groupByTime: string) => `SELECT ceil(max(${f(gridDailyMeasurement, 'heavy_events')}) / 1000) AS "heavy" FROM ${ident(gridDailyMeasurement)} WHERE "level" = 'transformer' AND ${holds('heavy_events')} AND $timeFilter GROUP BY ${groupByTime}"device"`;
      return {
        queries: [new InfluxQueryBuilder(`SELECT sum("heavy") AS "transformers" FROM (${heavy('time(1d, -8h), ')}) WHERE $timeFilter ${daily}`).alias('当日重载配变 transformers heavy that day')],
        tile: new InfluxQueryBuilder(`SELECT sum("heavy") AS "transformers" FROM (${heavy('')})`).alias('重载配变 transformers'),
        unit: 'none', threshold: Number(target.value), lowerIsWorse: false,
        note: 'Transformers with a sustained heavy-load event (≥ 80 % for ≥ 2 h): per day on the chart, over the range on the tile.',
      };
    },
    'parking.shareable-spaces': () => {
      const spaces = () => new InfluxQueryBuilder(`SELECT sum(${f(parkingDailyMeasurement, 'shareable_offpeak_spaces')}) AS "spaces" FROM ${ident(parkingDailyMeasurement)} WHERE ${holds('shareable_offpeak_spaces')} AND $timeFilter ${daily}`).alias('可共享车位 shareable spaces');
      return {
        queries: [spaces()],
        tile: spaces(),
        unit: 'none', threshold: null, lowerIsWorse: false,
        note: 'Spaces the lots can share off-peak, summed over lots per day; the plan sets no number.',
      };
    },
  };
  return target.rule === 'manual' ? null : series[target.rule]();
}
