import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { FIELDS_PRESENT } from '../../services/rollups/fields-present.ts';

/**
 * An InfluxQL target as Grafana's InfluxDB data source stores it (raw query mode). The
 * foundation SDK has no InfluxDB query builder, so this is the "custom query type" its
 * README describes: a Builder<Dataquery> that builds the target's JSON.
 */
export interface InfluxQuery {
  refId?: string;
  hide?: boolean;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  alias?: string;
  _implementsDataqueryVariant(): void;
}

export class InfluxQueryBuilder implements Builder<Dataquery> {
  private readonly internal: InfluxQuery;

  constructor(query: string, resultFormat: InfluxQuery['resultFormat'] = 'time_series') {
    this.internal = { query, rawQuery: true, resultFormat, _implementsDataqueryVariant() {} };
  }

  build(): InfluxQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  /** Grafana's alias patterns: `$tag_device`, `$col`. */
  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }
}

/** A double-quoted InfluxQL identifier (measurement, field, tag key). */
export const ident = (name: string) => `"${name.replaceAll('"', '\\"')}"`;

/** `"tag" =~ /^$variable$/`: Grafana writes a multi-value or All selection as `(a|b)` here. */
export const tagMatches = (tag: string, variable: string) => `${ident(tag)} =~ /^$${variable}$/`;

export interface SelectOptions {
  /** Extra WHERE conditions, joined with AND before `$timeFilter`. */
  readonly where?: readonly string[];
  /** Tags to group by (after time). */
  readonly groupBy?: readonly string[];
  /** `GROUP BY time($__interval)` with this fill (default none: no empty buckets), or false for no time grouping. */
  readonly interval?: 'null' | 'none' | '0' | 'previous' | false;
}

/** `SELECT <expr> FROM "m" WHERE ... AND $timeFilter GROUP BY time($__interval), tags fill(...)`. */
export function select(expressions: string | readonly string[], measurement: string, options: SelectOptions = {}): string {
  const where = [...(options.where ?? []), '$timeFilter'].join(' AND ');
  const interval = options.interval ?? 'none';
  const groups = [...(interval === false ? [] : ['time($__interval)']), ...(options.groupBy ?? []).map(ident)];
  const groupBy = groups.length ? ` GROUP BY ${groups.join(', ')}` : '';
  const fill = interval === false ? '' : ` fill(${interval})`;
  const list = typeof expressions === 'string' ? expressions : expressions.join(', ');
  return `SELECT ${list} FROM ${ident(measurement)} WHERE ${where}${groupBy}${fill}`;
}

/** `mean("field") AS "field"`, and the like. */
export const agg = (fn: string, field: string, as = field) => `${fn}(${ident(field)}) AS ${ident(as)}`;

/**
 * The conditions that keep a rollup row for the fields a query reads: its fields_present lists each of
 * them. A review mark never deletes (services/rollups/fields-present.ts): a day it emptied is a
 * tombstone whose old figures InfluxDB keeps, and a field it took out of a window keeps its old value;
 * only the list says what the point really holds, and the API, reports and compliance read by it.
 * Every rollup point carries the list (rollup schema 3), so the condition drops no untouched row.
 */
export function holding(...fields: readonly string[]): string[] {
  return fields.map((field) => {
    // Rollup field names are snake_case: nothing in them needs escaping in a regex.
    if (!/^[A-Za-z0-9_]+$/.test(field)) throw new Error(`rollup field ${JSON.stringify(field)} is not a plain name`);
    return `${ident(FIELDS_PRESENT)} =~ /(^|,)${field}(,|$)/`;
  });
}
