import { waterFamily } from '../../../services/families/water.ts';
import { waterDailyMeasurement, waterMonthlyMeasurement } from '../../../services/rollups/water-rollup.ts';
import { WATER_CLASSES, waterClassRank, waterLimit } from '../../../services/standards/index.ts';
import { buildDashboard } from '../dashboard-kit.ts';
import { familyFieldPanels, rollupFieldPanels } from '../family-panels.ts';
import { agg, holding, ident, InfluxQueryBuilder, select } from '../influx-query.ts';
import { table, timeseries } from '../panel-kit.ts';
import type { DashboardDefinition } from '../context.ts';
import { conditions, filters, sectionVariable, streetVariable } from '../variables.ts';

const active = [filters.street, filters.section];
// The plan's target for the named sections (indicator 26): Class IV or better.
const targetClass = 'IV' as const;

/** The GB 3838 parameters the brief names, with their Class IV limit drawn on the chart. */
const parameters = [
  { key: 'do', title: '溶解氧 DO', lowerIsWorse: true },
  { key: 'nh3n', title: '氨氮 NH3-N', lowerIsWorse: false },
  { key: 'tp', title: '总磷 TP', lowerIsWorse: false },
  { key: 'codmn', title: '高锰酸盐指数 CODMn', lowerIsWorse: false },
] as const;

export const waterDashboard: DashboardDefinition = {
  file: 'water.json',
  build({ schema }) {
    const daily = schema.measurements.get(waterDailyMeasurement)!;
    const where = conditions(active, daily.tags);
    const f = (name: string) => ident(schema.field(waterDailyMeasurement, name));
    return buildDashboard({
      uid: 'wanxiang-water',
      title: '万象 · 河流水质',
      description: 'Wanxiang: river water quality. Each section\'s daily and monthly class (GB 3838-2002 single-factor method) against its target class, and dissolved oxygen, ammonia nitrogen, total phosphorus and permanganate index against the Class IV limits.',
      tags: ['water'],
      time: { from: 'now-30d', to: 'now' },
      variables: [streetVariable(waterFamily.measurement), sectionVariable()],
      sections: [
        {
          row: '断面水质类别 Section class against target',
          panels: [
            timeseries({
              title: '各断面日水质类别 · Daily class per section',
              description: `Class rank 0 (I) to 5 (劣V); the dashed line is Class ${targetClass}, the plan's target for the named sections.`,
              unit: 'none', min: 0, max: 5, decimals: 0, valueText: WATER_CLASSES,
              thresholds: [{ value: waterClassRank(targetClass) + 0.5, color: 'red' }],
              targets: [new InfluxQueryBuilder(select(agg('max', schema.field(waterDailyMeasurement, 'class_rank')), waterDailyMeasurement, { where: [...where, ...holding('class_rank')], groupBy: ['device'] })).alias('$tag_device')],
            }),
            timeseries({
              title: '各断面月水质类别 · Monthly class per section', unit: 'none', min: 0, max: 5, decimals: 0, valueText: WATER_CLASSES,
              thresholds: [{ value: waterClassRank(targetClass) + 0.5, color: 'red' }],
              targets: [new InfluxQueryBuilder(select(agg('max', schema.field(waterMonthlyMeasurement, 'class_rank')), waterMonthlyMeasurement, { where: [...conditions(active, schema.measurements.get(waterMonthlyMeasurement)!.tags), ...holding('class_rank')], groupBy: ['device'] })).alias('$tag_device')],
            }),
            table({
              title: '断面最新评价 · Latest assessment per section',
              description: 'Latest daily class, the section\'s target class from the registry, whether it meets it, and the main pollutants.',
              targets: [new InfluxQueryBuilder(`SELECT last(${f('class')}) AS "class", last(${f('target_class')}) AS "target", last(${f('meets_target')}) AS "meets_target", last(${f('main_pollutants')}) AS "main_pollutants" FROM ${ident(waterDailyMeasurement)} WHERE ${[...where, ...holding('class', 'target_class', 'meets_target', 'main_pollutants'), '$timeFilter'].join(' AND ')} GROUP BY "device"`, 'table')],
            }),
          ],
        },
        {
          row: '主要指标 DO, NH3-N, TP, CODMn',
          panels: parameters.map(({ key, title, lowerIsWorse }) =>
            timeseries({
              title: `${title} (mg/L)`,
              description: `${waterFamily.fields[key].description}; dashed: the GB 3838-2002 Class ${targetClass} limit (river).`,
              unit: 'suffix: mg/L', lowerIsWorse, width: 12,
              thresholds: [{ value: waterLimit(key, targetClass)!, color: lowerIsWorse ? 'green' : 'red' }],
              targets: [new InfluxQueryBuilder(select(agg('mean', waterFamily.fields[key].field), waterFamily.measurement, { where: conditions(active), groupBy: ['device'] })).alias('$tag_device')],
            })),
        },
        { row: '全部测量字段 All water family fields', collapsed: true, panels: familyFieldPanels('water', active) },
        { row: '汇总字段 All water rollup fields', collapsed: true, panels: rollupFieldPanels(schema, 'water', active) },
      ],
    });
  },
};
