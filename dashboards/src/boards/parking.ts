import { parkingFamily } from '../../../services/families/parking.ts';
import { parkingDailyMeasurement, parkingHourlyMeasurement } from '../../../services/rollups/parking-rollup.ts';
import { DEFAULT_BUSY_PCT } from '../../../services/standards/index.ts';
import { buildDashboard } from '../dashboard-kit.ts';
import { familyFieldPanels, fieldOf, rollupFieldPanels } from '../family-panels.ts';
import { agg, holding, ident, InfluxQueryBuilder, select } from '../influx-query.ts';
import { stat, timeseries } from '../panel-kit.ts';
import type { DashboardDefinition } from '../context.ts';
import { conditions, filters, streetVariable } from '../variables.ts';

const active = [filters.street];
const occupancy = fieldOf('parking', 'occupancy_pct');

export const parkingDashboard: DashboardDefinition = {
  file: 'parking.json',
  build({ schema }) {
    const where = conditions(active, schema.measurements.get(parkingDailyMeasurement)!.tags);
    const f = (measurement: string, name: string) => schema.field(measurement, name);
    // A rollup's rows that hold the field (a review mark's tombstone keeps its old figures: influx-query.ts holding).
    const holds = (measurement: string, name: string) => [...where, ...holding(f(measurement, name))];
    return buildDashboard({
      uid: 'wanxiang-parking',
      title: '万象 · 停车',
      description: 'Wanxiang: parking. Occupancy per lot and by kind of lot, peak occupancy, and the spaces each lot can share off-peak (plan lines 1889-1897: one-stop off-peak shared parking).',
      tags: ['parking'],
      variables: [streetVariable(parkingFamily.measurement)],
      sections: [
        {
          row: '占用率 Occupancy',
          panels: [
            timeseries({ title: '各停车场占用率 · Occupancy per lot', unit: 'percent', thresholds: [{ value: DEFAULT_BUSY_PCT, color: 'orange' }], targets: [new InfluxQueryBuilder(select(agg('mean', occupancy), parkingFamily.measurement, { where: conditions(active), groupBy: ['device'] })).alias('$tag_device')] }),
            timeseries({ title: '按类型小时占用率 · Hourly occupancy by kind of lot', unit: 'percent', targets: [new InfluxQueryBuilder(select(agg('mean', f(parkingHourlyMeasurement, 'occupancy_pct')), parkingHourlyMeasurement, { where: holds(parkingHourlyMeasurement, 'occupancy_pct'), groupBy: ['lot_kind'] })).alias('$tag_lot_kind')] }),
            timeseries({ title: '日高峰占用率 · Daily peak occupancy per lot', unit: 'percent', targets: [new InfluxQueryBuilder(select(agg('max', f(parkingDailyMeasurement, 'peak_occupancy_pct')), parkingDailyMeasurement, { where: holds(parkingDailyMeasurement, 'peak_occupancy_pct'), groupBy: ['device'] })).alias('$tag_device')] }),
          ],
        },
        {
          row: '错峰共享 Off-peak sharing',
          panels: [
            timeseries({ title: '可共享车位（按类型）· Shareable spaces by kind of lot', unit: 'none', targets: [new InfluxQueryBuilder(select(agg('sum', f(parkingDailyMeasurement, 'shareable_offpeak_spaces'), 'spaces'), parkingDailyMeasurement, { where: holds(parkingDailyMeasurement, 'shareable_offpeak_spaces'), groupBy: ['lot_kind'] })).alias('$tag_lot_kind')] }),
            stat({ title: '最新可共享车位 · Shareable spaces, latest day', unit: 'none', calc: 'lastNotNull', targets: [new InfluxQueryBuilder(`SELECT sum(${ident(f(parkingDailyMeasurement, 'shareable_offpeak_spaces'))}) AS "spaces" FROM ${ident(parkingDailyMeasurement)} WHERE ${[...holds(parkingDailyMeasurement, 'shareable_offpeak_spaces'), '$timeFilter'].join(' AND ')} GROUP BY time(1d, -8h) fill(none)`)] }),
          ],
        },
        { row: '全部测量字段 All parking family fields', collapsed: true, panels: familyFieldPanels('parking', active) },
        { row: '汇总字段 All parking rollup fields', collapsed: true, panels: rollupFieldPanels(schema, 'parking', active) },
      ],
    });
  },
};
