import { gridFamily } from '../../../services/families/grid.ts';
import { defaultGridThresholds, gridDailyMeasurement, gridEventsMeasurement, gridLoadMeasurement } from '../../../services/rollups/grid-rollup.ts';
import { buildDashboard } from '../dashboard-kit.ts';
import { familyFieldPanels, fieldOf, rollupFieldPanels } from '../family-panels.ts';
import { agg, holding, ident, InfluxQueryBuilder, select } from '../influx-query.ts';
import { stat, table, timeseries } from '../panel-kit.ts';
import type { DashboardDefinition } from '../context.ts';
import { conditions, filters, streetVariable, substationVariable } from '../variables.ts';

const active = [filters.street, filters.substation];
// The rollups' defaults (the plan's 重载 ≥ 80 %, overload ≥ 100 %); an installation may configure others.
const loadSteps = [{ value: defaultGridThresholds.heavyPct, color: 'orange' }, { value: defaultGridThresholds.overloadPct, color: 'red' }];
const loadRate = fieldOf('grid', 'load_rate_pct');

export const gridDashboard: DashboardDefinition = {
  file: 'grid.json',
  build({ schema }) {
    const tags = schema.measurements.get(gridDailyMeasurement)!.tags;
    const where = (level: string) => [`"level" = '${level}'`, ...conditions(active, tags)];
    const f = (measurement: string, name: string) => schema.field(measurement, name);
    // A rollup's rows that hold the field (a review mark's tombstone keeps its old figures: influx-query.ts holding).
    const rollupWhere = (level: string, measurement: string, name: string) => [...where(level), ...holding(f(measurement, name))];
    const daySum = (name: string) => `SELECT sum(${ident(f(gridDailyMeasurement, name))}) AS "events" FROM ${ident(gridDailyMeasurement)} WHERE ${[...conditions(active, tags), ...holding(name), '$timeFilter'].join(' AND ')}`;
    return buildDashboard({
      uid: 'wanxiang-grid',
      title: '万象 · 电网负载',
      description: `Wanxiang: distribution grid. Load rate per transformer and substation, hours at heavy load (≥ ${defaultGridThresholds.heavyPct} %) and overload (≥ ${defaultGridThresholds.overloadPct} %), and each sustained event (专栏6: solve heavy load on transformers).`,
      tags: ['grid'],
      variables: [streetVariable(gridFamily.measurement), substationVariable()],
      sections: [
        {
          row: '负载率 Load rate',
          panels: [
            timeseries({ title: '配变负载率 · Load rate per transformer', unit: 'percent', thresholds: loadSteps, targets: [new InfluxQueryBuilder(select(agg('max', loadRate), gridFamily.measurement, { where: where('transformer'), groupBy: ['device'] })).alias('$tag_device')] }),
            timeseries({ title: '变电站负载率 · Load rate per substation', unit: 'percent', thresholds: loadSteps, targets: [new InfluxQueryBuilder(select(agg('max', loadRate), gridFamily.measurement, { where: where('substation'), groupBy: ['device'] })).alias('$tag_device')] }),
            timeseries({ title: '15分钟负载率 · 15-min load rate (rollup)', unit: 'percent', thresholds: loadSteps, width: 24, targets: [new InfluxQueryBuilder(select(agg('max', f(gridLoadMeasurement, 'load_rate_pct')), gridLoadMeasurement, { where: rollupWhere('transformer', gridLoadMeasurement, 'load_rate_pct'), groupBy: ['device'] })).alias('$tag_device')] }),
          ],
        },
        {
          row: '重载与过载 Heavy load and overload',
          panels: [
            timeseries({ title: '重载小时 · Hours at heavy load per day', unit: 'h', targets: [new InfluxQueryBuilder(select(agg('sum', f(gridDailyMeasurement, 'heavy_hours')), gridDailyMeasurement, { where: rollupWhere('transformer', gridDailyMeasurement, 'heavy_hours'), groupBy: ['device'] })).alias('$tag_device')] }),
            timeseries({ title: '过载小时 · Hours at overload per day', unit: 'h', targets: [new InfluxQueryBuilder(select(agg('sum', f(gridDailyMeasurement, 'overload_hours')), gridDailyMeasurement, { where: rollupWhere('transformer', gridDailyMeasurement, 'overload_hours'), groupBy: ['device'] })).alias('$tag_device')] }),
            stat({ title: '重载事件 · Heavy-load events', calc: 'sum', targets: [new InfluxQueryBuilder(daySum('heavy_events'))] }),
            stat({ title: '过载事件 · Overload events', calc: 'sum', thresholds: [{ value: 1, color: 'red' }], targets: [new InfluxQueryBuilder(daySum('overload_events'))] }),
            table({
              title: '持续负载事件 · Sustained load events',
              description: `Each event the rollup found: start, kind, duration and peak (≥ ${defaultGridThresholds.minPoints} quarter-hours).`,
              targets: [new InfluxQueryBuilder(`SELECT ${ident(f(gridEventsMeasurement, 'duration_min'))} AS "duration_min", ${ident(f(gridEventsMeasurement, 'peak_pct'))} AS "peak_pct", "kind", "device", "substation" FROM ${ident(gridEventsMeasurement)} WHERE ${[...conditions(active, schema.measurements.get(gridEventsMeasurement)!.tags), ...holding('duration_min', 'peak_pct'), '$timeFilter'].join(' AND ')} ORDER BY time DESC LIMIT 200`, 'table')],
            }),
          ],
        },
        { row: '全部测量字段 All grid family fields', collapsed: true, panels: familyFieldPanels('grid', active) },
        { row: '汇总字段 All grid rollup fields', collapsed: true, panels: rollupFieldPanels(schema, 'grid', active) },
      ],
    });
  },
};
