import { noiseFamily } from '../../../services/families/noise.ts';
import { noiseDailyMeasurement } from '../../../services/rollups/noise-rollup.ts';
import { buildDashboard } from '../dashboard-kit.ts';
import { familyFieldPanels, rollupFieldPanels } from '../family-panels.ts';
import { agg, holding, ident, InfluxQueryBuilder, select } from '../influx-query.ts';
import { stat, timeseries } from '../panel-kit.ts';
import type { DashboardDefinition } from '../context.ts';
import { conditions, filters, streetVariable } from '../variables.ts';

const active = [filters.street];

export const noiseDashboard: DashboardDefinition = {
  file: 'noise.json',
  build({ schema }) {
    const where = conditions(active, schema.measurements.get(noiseDailyMeasurement)!.tags);
    const f = (name: string) => schema.field(noiseDailyMeasurement, name);
    // The days that hold the field (a review mark that took a period's readings leaves its old Leq: influx-query.ts holding).
    const holds = (name: string) => [...where, ...holding(f(name))];
    /** A period's Leq per monitor with its zone's limit (GB 3096-2008 Table 1) as a second series. */
    const leqAgainstLimit = (period: 'day' | 'night', title: string) =>
      timeseries({
        title,
        description: `${period === 'day' ? 'Day (06-22)' : 'Night (22-06)'} Leq per monitor (energy average), and the limit of the monitor's zone.`,
        unit: 'suffix: dB(A)',
        width: 12,
        targets: [
          new InfluxQueryBuilder(select(agg('max', f(`${period}_leq_dba`)), noiseDailyMeasurement, { where: holds(`${period}_leq_dba`), groupBy: ['device'] })).alias('$tag_device'),
          new InfluxQueryBuilder(select(agg('max', f(`${period}_limit_dba`)), noiseDailyMeasurement, { where: holds(`${period}_limit_dba`), groupBy: ['zone'] })).alias('限值 limit $tag_zone'),
        ],
      });
    const exceedances = (field: string, title: string) =>
      stat({ title, calc: 'sum', thresholds: [{ value: 1, color: 'red' }], targets: [new InfluxQueryBuilder(`SELECT sum(${ident(f(field))}) AS "exceedances" FROM ${ident(noiseDailyMeasurement)} WHERE ${[...holds(field), '$timeFilter'].join(' AND ')}`)] });
    return buildDashboard({
      uid: 'wanxiang-noise',
      title: '万象 · 道路噪声',
      description: 'Wanxiang: road noise. Day and night equivalent levels (Leq, energy averages) per monitor against the GB 3096-2008 limits of their zone, the night Lmax rule, and the exceedances.',
      tags: ['noise'],
      time: { from: 'now-7d', to: 'now' },
      variables: [streetVariable(noiseFamily.measurement)],
      sections: [
        {
          row: '昼夜等效声级 Day and night Leq against zone limits',
          panels: [
            leqAgainstLimit('day', '昼间等效声级 · Day Leq'),
            leqAgainstLimit('night', '夜间等效声级 · Night Leq'),
            exceedances('day_exceeds', '昼间超标 · Day exceedances'),
            exceedances('night_exceeds', '夜间超标 · Night exceedances'),
            exceedances('night_lmax_exceeds', '夜间突发超标 · Night Lmax exceedances'),
          ],
        },
        {
          row: '实时声级 Live levels',
          panels: [
            timeseries({ title: '等效声级 · Leq per road', unit: 'suffix: dB(A)', width: 24, targets: [new InfluxQueryBuilder(select(agg('mean', noiseFamily.fields.leq.field), noiseFamily.measurement, { where: conditions(active), groupBy: ['road'] })).alias('$tag_road')] }),
          ],
        },
        { row: '全部测量字段 All noise family fields', collapsed: true, panels: familyFieldPanels('noise', active) },
        { row: '汇总字段 All noise rollup fields', collapsed: true, panels: rollupFieldPanels(schema, 'noise', active) },
      ],
    });
  },
};
