import { airFamily } from '../../../services/families/air.ts';
import { airDailyMeasurement, airDistrictDailyMeasurement, airHourlyMeasurement } from '../../../services/rollups/air-rollup.ts';
import { buildDashboard } from '../dashboard-kit.ts';
import { familyFieldPanels, rollupFieldPanels } from '../family-panels.ts';
import { agg, holding, ident, InfluxQueryBuilder, select } from '../influx-query.ts';
import { stat, timeseries } from '../panel-kit.ts';
import type { DashboardDefinition } from '../context.ts';
import { conditions, filters, stationVariable, streetVariable } from '../variables.ts';

const active = [filters.street, filters.station];
// HJ 633-2012 Table 2: the AQI levels' upper bounds (优 50, 良 100, 轻度 150, 中度 200, 重度 300).
const aqiSteps = [
  { value: 51, color: 'yellow' }, { value: 101, color: 'orange' }, { value: 151, color: 'red' }, { value: 201, color: 'purple' }, { value: 301, color: 'dark-red' },
];

export const airDashboard: DashboardDefinition = {
  file: 'air.json',
  build({ schema }) {
    const hourly = schema.measurements.get(airHourlyMeasurement)!;
    const daily = schema.measurements.get(airDailyMeasurement)!;
    const aqi = schema.field(airHourlyMeasurement, 'aqi');
    const o3EightHour = schema.field(airDailyMeasurement, 'o3_8h_ugm3');
    const aqiLevel = schema.field(airDistrictDailyMeasurement, 'aqi_level');
    return buildDashboard({
      uid: 'wanxiang-air',
      title: '万象 · 空气质量',
      description: 'Wanxiang: air quality. AQI per station (hourly, HJ 633) and for the district (daily), the pollutants, the daily max 8-h O3 and the good days (AQI ≤ 100).',
      tags: ['air'],
      variables: [streetVariable(airFamily.measurement), stationVariable()],
      sections: [
        {
          row: '空气质量指数 AQI',
          panels: [
            timeseries({ title: '各站小时AQI · Hourly AQI per station', unit: 'none', thresholds: aqiSteps, targets: [new InfluxQueryBuilder(select(agg('max', aqi), airHourlyMeasurement, { where: [...conditions(active, hourly.tags), ...holding(aqi)], groupBy: ['device'] })).alias('$tag_device')] }),
            timeseries({ title: '全区日AQI · District daily AQI', unit: 'none', thresholds: aqiSteps, targets: [new InfluxQueryBuilder(select(agg('max', schema.field(airDistrictDailyMeasurement, 'aqi')), airDistrictDailyMeasurement, { where: holding('aqi') })).alias('罗湖 Luohu')] }),
            stat({
              title: '优良天数 · Good days (AQI ≤ 100)',
              description: 'Valid district days at AQI level 1 or 2 (HJ 633: 优, 良).',
              calc: 'sum',
              targets: [new InfluxQueryBuilder(`SELECT count(${ident(aqiLevel)}) AS "good" FROM ${ident(airDistrictDailyMeasurement)} WHERE ${ident(aqiLevel)} <= 2 AND ${ident(schema.field(airDistrictDailyMeasurement, 'valid'))} = 1 AND ${holding(aqiLevel, 'valid').join(' AND ')} AND $timeFilter`)],
            }),
            stat({
              title: '有效天数 · Valid days',
              calc: 'sum',
              targets: [new InfluxQueryBuilder(`SELECT count(${ident(aqiLevel)}) AS "valid" FROM ${ident(airDistrictDailyMeasurement)} WHERE ${ident(schema.field(airDistrictDailyMeasurement, 'valid'))} = 1 AND ${holding(aqiLevel, 'valid').join(' AND ')} AND $timeFilter`)],
            }),
            stat({ title: '各站最新AQI · Latest AQI per station', width: 12, thresholds: aqiSteps, targets: [new InfluxQueryBuilder(`SELECT last(${ident(aqi)}) AS "aqi" FROM ${ident(airHourlyMeasurement)} WHERE ${[...conditions(active, hourly.tags), ...holding(aqi), '$timeFilter'].join(' AND ')} GROUP BY "device"`).alias('$tag_device')] }),
          ],
        },
        {
          row: '臭氧 O3 8-h',
          panels: [
            timeseries({
              title: '日最大8小时O3 · Daily max 8-h O3',
              description: 'HJ 663 / GB 3095: the daily maximum of the 8-h moving means, per station and for the district.',
              unit: 'suffix: µg/m³',
              thresholds: [{ value: 160, color: 'red' }], // GB 3095-2012 Grade II, O3 daily max 8-h mean
              targets: [
                new InfluxQueryBuilder(select(agg('max', o3EightHour), airDailyMeasurement, { where: [...conditions(active, daily.tags), ...holding(o3EightHour)], groupBy: ['device'] })).alias('$tag_device'),
                new InfluxQueryBuilder(select(agg('max', schema.field(airDistrictDailyMeasurement, 'o3_8h_ugm3')), airDistrictDailyMeasurement, { where: holding('o3_8h_ugm3') })).alias('罗湖 Luohu'),
              ],
            }),
            timeseries({
              title: '各站小时O3 · Hourly O3 per station', unit: 'suffix: µg/m³',
              targets: [new InfluxQueryBuilder(select(agg('mean', airFamily.fields.o3.field), airHourlyMeasurement, { where: [...conditions(active, hourly.tags), ...holding(airFamily.fields.o3.field)], groupBy: ['device'] })).alias('$tag_device')],
            }),
          ],
        },
        { row: '污染物与气象 Pollutants and weather (air family fields)', panels: familyFieldPanels('air', active) },
        { row: '汇总字段 All air rollup fields', collapsed: true, panels: rollupFieldPanels(schema, 'air', active) },
      ],
    });
  },
};
