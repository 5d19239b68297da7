import { QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { eventsMeasurement } from '../../../services/events/event-store.ts';
import type { DashboardDefinition } from '../context.ts';
import { buildDashboard } from '../dashboard-kit.ts';
import { ident, InfluxQueryBuilder, tagMatches } from '../influx-query.ts';
import { influxDatasource, stat, table, timeseries } from '../panel-kit.ts';

const events = ident(eventsMeasurement);
// Weeks from Monday 00:00 Beijing (UTC+8): InfluxDB's 1w buckets start on the epoch's Thursday,
// 00:00 UTC; 3 days 16 hours later is Sunday 16:00 UTC, which is Monday 00:00 in Beijing.
const byWeek = 'time(1w, 3d16h)';

function departmentVariable() {
  const query = `SHOW TAG VALUES FROM ${events} WITH KEY = "department"`;
  return new QueryVariableBuilder('department').label('部门 Department').query(query).definition(query).datasource(influxDatasource)
    .multi(true).includeAll(true).current({ selected: true, text: ['All'], value: ['$__all'] })
    .refresh(VariableRefresh.OnDashboardLoad).sort(VariableSort.AlphabeticalAsc);
}

/** Median and p90 of one stage's seconds, by week, per department, per family or per a resolution's cause. */
function weekly(field: 'dispatch_s' | 'ack_s' | 'resolve_s', by: 'department' | 'family' | 'cause') {
  return new InfluxQueryBuilder(
    `SELECT percentile(${ident(field)}, 50) AS "median", percentile(${ident(field)}, 90) AS "p90" FROM ${events} WHERE ${tagMatches('department', 'department')} AND $timeFilter GROUP BY ${byWeek}, ${ident(by)} fill(none)`,
  ).alias(`$tag_${by} $col`);
}

const stages = [
  ['dispatch_s', '派单用时 · Time to dispatch (opened → dispatched)'],
  ['ack_s', '响应用时 · Time to acknowledge (dispatched → started)'],
  ['resolve_s', '办结用时 · Time to resolve (dispatched → resolved)'],
] as const;

/**
 * Events (issue 23, item 6): how quickly each department and each family's events were
 * dispatched, acknowledged and resolved (median and p90 by week, Beijing weeks), escalations,
 * and the latest changes. From the `events` measurement the event store writes
 * (services/events/event-store.ts).
 */
export const eventsDashboard: DashboardDefinition = {
  file: 'events.json',
  build() {
    return buildDashboard({
      uid: 'wanxiang-events',
      title: '万象 · 事件处置与响应',
      description: 'Wanxiang: events from alarms, dispatched to departments. Time to dispatch, acknowledge and resolve per department and per family, time to resolve and resolutions per cause (median and p90 by week, Beijing weeks from Monday), escalations, and the latest changes with who made them.',
      tags: ['events', 'departments'],
      time: { from: 'now-30d', to: 'now' },
      refresh: '1m',
      variables: [departmentVariable()],
      sections: [
        {
          panels: [
            stat({ title: '新事件 · Events opened', calc: 'sum', targets: [new InfluxQueryBuilder(`SELECT count("event_id") AS "opened" FROM ${events} WHERE "kind" = 'opened' AND $timeFilter`)] }),
            stat({ title: '派单 · Dispatches', calc: 'sum', targets: [new InfluxQueryBuilder(`SELECT count("event_id") AS "dispatched" FROM ${events} WHERE "kind" = 'dispatched' AND ${tagMatches('department', 'department')} AND $timeFilter`)] }),
            stat({ title: '超时升级 · Escalations', calc: 'sum', thresholds: [{ value: 1, color: 'red' }], targets: [new InfluxQueryBuilder(`SELECT count("event_id") AS "escalated" FROM ${events} WHERE "kind" = 'escalated' AND ${tagMatches('department', 'department')} AND $timeFilter`)] }),
            stat({ title: '办结 · Events closed', calc: 'sum', targets: [new InfluxQueryBuilder(`SELECT count("event_id") AS "closed" FROM ${events} WHERE "kind" = 'closed' AND ${tagMatches('department', 'department')} AND $timeFilter`)] }),
          ],
        },
        {
          row: '按部门 By department (median, p90 by week)',
          panels: stages.map(([field, title]) => timeseries({ title, unit: 's', width: 8, targets: [weekly(field, 'department')] })),
        },
        {
          row: '按类别 By family (median, p90 by week)',
          panels: stages.map(([field, title]) => timeseries({ title, unit: 's', width: 8, targets: [weekly(field, 'family')] })),
        },
        {
          // The cause is a tag of the resolution's point alone (event-store.ts): time to resolve, and how many.
          row: '按原因 By cause (resolutions; median, p90 by week)',
          panels: [
            timeseries({ title: '办结用时（按原因）· Time to resolve by cause', unit: 's', width: 12, targets: [weekly('resolve_s', 'cause')] }),
            timeseries({ title: '办结数（按原因）· Resolutions by cause', unit: 'none', width: 12, targets: [new InfluxQueryBuilder(`SELECT count("event_id") AS "resolved" FROM ${events} WHERE "kind" = 'resolved' AND ${tagMatches('department', 'department')} AND $timeFilter GROUP BY ${byWeek}, "cause" fill(none)`).alias('$tag_cause')] }),
          ],
        },
        {
          row: '最近变化 Latest changes',
          panels: [
            timeseries({ title: '超时升级（按部门）· Escalations by department', unit: 'none', targets: [new InfluxQueryBuilder(`SELECT count("event_id") AS "escalations" FROM ${events} WHERE "kind" = 'escalated' AND ${tagMatches('department', 'department')} AND $timeFilter GROUP BY time($__interval), "department" fill(none)`).alias('$tag_department')] }),
            table({ title: '事件记录 · Event records', targets: [new InfluxQueryBuilder(`SELECT "event_id", "kind", "department", "family", "street", "cause" FROM ${events} WHERE ${tagMatches('department', 'department')} AND $timeFilter ORDER BY time DESC LIMIT 100`, 'table')] }),
          ],
        },
      ],
    });
  },
};
