/**
 * Grafana's InfluxQL interpolation, as its InfluxDB data source does it before a query
 * leaves the browser (public/app/plugins/datasource/influxdb/datasource.ts: applyTemplateVariables,
 * interpolateQueryExpr; and the time filter of getTimeFilter), so that a test can run a
 * panel's query against a real InfluxDB.
 */

export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** `$timeFilter` → `time >= <from>ms and time <= <to>ms`, as Grafana writes an absolute range. */
export const timeFilter = (range: TimeRange) => `time >= ${range.fromMs}ms and time <= ${range.toMs}ms`;

// Grafana's rangeUtil.roundInterval steps (the ones a dashboard of minutes to months meets).
const roundedIntervals: Array<[number, string]> = [
  [1_000, '1s'], [5_000, '5s'], [10_000, '10s'], [15_000, '15s'], [20_000, '20s'], [30_000, '30s'], [60_000, '1m'], [120_000, '2m'], [300_000, '5m'],
  [600_000, '10m'], [900_000, '15m'], [1_200_000, '20m'], [1_800_000, '30m'], [3_600_000, '1h'], [7_200_000, '2h'], [10_800_000, '3h'], [21_600_000, '6h'],
  [43_200_000, '12h'], [86_400_000, '1d'], [604_800_000, '1w'],
];

/** `$__interval`: the range over the panel's data points (Grafana's default max: the panel's pixel width, ~1000), rounded up to a step. */
export function grafanaInterval(range: TimeRange, maxDataPoints = 1_000): string {
  const raw = (range.toMs - range.fromMs) / maxDataPoints;
  return (roundedIntervals.find(([ms]) => ms >= raw) ?? roundedIntervals.at(-1)!)[1];
}

/** Regex special characters escaped as Grafana's influx data source escapes a value in `=~ /…/`. */
const escapeRegex = (value: string) => value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** A variable's selection: `$__all` for All, else the values picked. */
export type Selection = readonly string[] | '$__all';

/**
 * Fills a query: `$timeFilter`, `$__interval`/`$interval`, and each variable. In a regex
 * (`=~ /^$v$/`) a variable of several values, or All with no custom all value, becomes
 * `(a|b)` with each value escaped; one value is just that value, escaped.
 */
export function expandQuery(query: string, range: TimeRange, variables: Readonly<Record<string, { selection: Selection; allValues: readonly string[] }>>): string {
  let text = query.replaceAll('$timeFilter', timeFilter(range)).replaceAll('$__interval', grafanaInterval(range)).replaceAll('$interval', grafanaInterval(range));
  // Longest names first, so that $station is never read as $s + "tation".
  for (const name of Object.keys(variables).sort((a, b) => b.length - a.length)) {
    const { selection, allValues } = variables[name]!;
    const values = (selection === '$__all' ? allValues : selection).map(escapeRegex);
    const replacement = values.length === 1 ? values[0]! : `(${values.join('|')})`;
    text = text.replaceAll(`[[${name}]]`, replacement).replaceAll(`\${${name}}`, replacement).replaceAll(`$${name}`, replacement);
  }
  const leftover = /\$[A-Za-z_]\w*/.exec(text);
  if (leftover) throw new Error(`query still has ${leftover[0]} after expansion: ${text}`);
  return text;
}

/**
 * A panel's range: its relative time when it has one, else the dashboard's. Grafana's
 * "now/y" runs from the start of the year in the dashboard's time zone (Asia/Shanghai) to
 * now; "now-90d" from 90 days ago to now.
 */
export function panelRange(range: TimeRange, timeFrom: string | undefined, nowMs: number): TimeRange {
  if (timeFrom === undefined) return range;
  if (timeFrom === 'now/y') {
    const year = new Date(nowMs + 8 * 3_600_000).getUTCFullYear();
    return { fromMs: Date.UTC(year, 0, 1) - 8 * 3_600_000, toMs: nowMs };
  }
  const days = /^now-(\d+)d$/.exec(timeFrom);
  if (days) return { fromMs: nowMs - Number(days[1]) * 86_400_000, toMs: nowMs };
  throw new Error(`relative time ${timeFrom} is not handled by the test`);
}
