import { deviceStatusMeasurement } from '../../../services/ingest/presence.ts';
import { familyIds, getFamily } from '../../../services/families/index.ts';
import { alarmFields, alarmsMeasurement } from '../alarm-schema.ts';
import { buildDashboard } from '../dashboard-kit.ts';
import { ident, InfluxQueryBuilder } from '../influx-query.ts';
import { stat, table, timeseries } from '../panel-kit.ts';
import type { DashboardDefinition } from '../context.ts';
import { conditions, filters, streetVariable } from '../variables.ts';
import { targetPanels } from './compliance.ts';

const street = conditions([filters.street]);
const a = (field: keyof typeof alarmFields) => ident(alarmFields[field]);
/** The latest state of each alarm (one per rule and device while open), as 1 (open) or 0. */
const latestOpen = (...groupBy: string[]) => `SELECT last(${a('open')}) AS "open" FROM ${ident(alarmsMeasurement)} WHERE $timeFilter GROUP BY ${['rule', 'device', ...groupBy].map(ident).join(', ')}`;
const severitySteps = [{ value: 1, color: 'orange' }, { value: 5, color: 'red' }];
// An alarm open now, or a device online now, may have changed state long before the
// dashboard's range: those tiles look back 90 days for the latest change of each.
const lookBack = 'now-90d';

export const overviewDashboard: DashboardDefinition = {
  file: 'overview.json',
  build(context) {
    const measured = context.targets.targets.filter((target) => target.rule !== 'manual');
    const onlineNow = (groupBy: string[]) =>
      `SELECT sum("online") AS "online" FROM (SELECT last("online") AS "online" FROM ${ident(deviceStatusMeasurement)} WHERE $timeFilter GROUP BY ${['device', ...groupBy].map(ident).join(', ')})${groupBy.length ? ` GROUP BY ${groupBy.map(ident).join(', ')}` : ''}`;
    return buildDashboard({
      uid: 'wanxiang-overview',
      title: '万象 · 罗湖区运行总览',
      description: 'Wanxiang: district overview for the operations centre. The plan\'s targets as tiles (from the rollups, year to date), open alarms, devices online and reporting per family.',
      tags: ['overview'],
      variables: [streetVariable()],
      sections: [
        // The plan's targets are yearly: the tiles show the year so far (Beijing), whatever the range.
        { row: '规划指标 Plan targets (year to date)', panels: measured.flatMap((target) => targetPanels(target, context, { tileOnly: true, timeFrom: 'now/y' })) },
        {
          row: '告警 Alarms',
          panels: [
            stat({ title: '未关闭告警 · Open alarms', timeFrom: lookBack, thresholds: severitySteps, targets: [new InfluxQueryBuilder(`SELECT sum("open") AS "open" FROM (${latestOpen()})`)] }),
            stat({ title: '按级别 · Open by severity', timeFrom: lookBack, width: 6, targets: [new InfluxQueryBuilder(`SELECT sum("open") AS "open" FROM (${latestOpen('severity')}) GROUP BY "severity"`).alias('$tag_severity')] }),
            timeseries({ title: '告警变化 · Alarm changes', unit: 'none', targets: [new InfluxQueryBuilder(`SELECT count(${a('id')}) AS "changes" FROM ${ident(alarmsMeasurement)} WHERE $timeFilter GROUP BY time($__interval), "severity" fill(none)`).alias('$tag_severity')] }),
            table({
              title: '最新告警 · Latest alarm changes',
              targets: [new InfluxQueryBuilder(`SELECT ${a('id')} AS "alarm", ${a('state')} AS "state", ${a('change')} AS "change", "severity", "rule", "device", ${a('value')} AS "value", ${a('limit')} AS "limit" FROM ${ident(alarmsMeasurement)} WHERE $timeFilter ORDER BY time DESC LIMIT 50`, 'table')],
            }),
          ],
        },
        {
          row: '设备 Devices',
          panels: [
            stat({ title: '在线设备 · Devices online', timeFrom: lookBack, description: 'Devices whose last status message (or Last Will) in the last 90 days was online.', targets: [new InfluxQueryBuilder(onlineNow([]))] }),
            stat({ title: '按类别在线 · Online per family', timeFrom: lookBack, width: 18, targets: [new InfluxQueryBuilder(onlineNow(['family'])).alias('$tag_family')] }),
            // One tile per family of the registry of families: a new family gets its own.
            ...familyIds.map((family) =>
              stat({
                title: `${family} · 上报设备 devices reporting`,
                description: `${getFamily(family).title}: devices with at least one reading in the range.`,
                width: Math.max(4, Math.floor(24 / familyIds.length)),
                targets: [new InfluxQueryBuilder(`SELECT count("n") AS "devices" FROM (SELECT count("recv_lag_ms") AS "n" FROM ${ident(getFamily(family).measurement)} WHERE ${[...street, '$timeFilter'].join(' AND ')} GROUP BY "device")`)],
              })),
            timeseries({
              title: '读数速率 · Readings per interval, per family',
              unit: 'none',
              width: 24,
              targets: familyIds.map((family) => new InfluxQueryBuilder(`SELECT count("recv_lag_ms") AS "readings" FROM ${ident(getFamily(family).measurement)} WHERE ${[...street, '$timeFilter'].join(' AND ')} GROUP BY time($__interval) fill(0)`).alias(family)),
            }),
          ],
        },
      ],
    });
  },
};
