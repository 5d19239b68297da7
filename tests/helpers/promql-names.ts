/** PromQL's functions and aggregation operators (prometheus/promql/parser/functions.go, lex.go). */
const functions = new Set([
  'abs', 'absent', 'absent_over_time', 'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'count_over_time', 'day_of_month', 'day_of_week',
  'delta', 'deriv', 'exp', 'floor', 'histogram_quantile', 'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'last_over_time',
  'ln', 'log10', 'log2', 'max_over_time', 'min_over_time', 'minute', 'month', 'predict_linear', 'quantile_over_time', 'rate', 'resets', 'round', 'scalar',
  'sort', 'sort_desc', 'sqrt', 'stddev_over_time', 'sum_over_time', 'time', 'timestamp', 'vector', 'year',
  'sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
]);
const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: label matchers, grouping clauses, ranges and
 * Grafana's $__ variables removed; what is left that is neither a function nor a keyword.
 * Throws on an identifier followed by `(` that is not a PromQL function.
 */
export function promqlMetricNames(expr: string): string[] {
  const text = expr
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/\[[^\]]*\]/g, ' ') // ranges, $__rate_interval included
    .replace(/"[^"]*"|'[^']*'/g, ' ');
  const names: string[] = [];
  for (const match of text.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const call = /^\s*\(/.test(text.slice(match.index + name.length));
    if (call) {
      if (!functions.has(name)) throw new Error(`${name}( is not a PromQL function in ${expr}`);
      continue;
    }
    if (!keywords.has(name.toLowerCase())) names.push(name);
  }
  return names;
}

/**
 * The metric names a Prometheus text exposition offers: every sample's name, and each
 * declared metric with the series its type implies (a histogram's _bucket, _sum, _count).
 */
export function exposedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name, kind] = type;
      if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
      else if (kind === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(`${name}${suffix}`);
      else names.add(name!);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}
