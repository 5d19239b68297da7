import { QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { airFamily } from '../../services/families/air.ts';
import { gridFamily } from '../../services/families/grid.ts';
import { waterFamily } from '../../services/families/water.ts';
import { ident, tagMatches } from './influx-query.ts';
import { influxDatasource } from './panel-kit.ts';

/**
 * The template variables: street (街道), air station, river section, substation. Each is a
 * multi-value variable with All, filled by SHOW TAG VALUES from the family's measurement;
 * the later ones follow the street chosen. Panels use them as `"tag" =~ /^$name$/`, which
 * Grafana fills with `(a|b)` for several values or for All.
 */
function tagVariable(name: string, label: string, measurement: string | null, tag: string, where?: string) {
  const from = measurement ? ` FROM ${ident(measurement)}` : '';
  const query = `SHOW TAG VALUES${from} WITH KEY = ${ident(tag)}${where ? ` WHERE ${where}` : ''}`;
  return new QueryVariableBuilder(name)
    .label(label)
    .query(query)
    .definition(query)
    .datasource(influxDatasource)
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ['All'], value: ['$__all'] })
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc);
}

/** Street of any measurement, or of one family's. */
export const streetVariable = (measurement: string | null = null) => tagVariable('street', '街道 Street', measurement, 'street');
export const stationVariable = () => tagVariable('station', '监测站 Station', airFamily.measurement, 'device', tagMatches('street', 'street'));
export const sectionVariable = () => tagVariable('section', '断面 Section', waterFamily.measurement, 'device', tagMatches('street', 'street'));
export const substationVariable = () => tagVariable('substation', '变电站 Substation', gridFamily.measurement, 'substation', tagMatches('street', 'street'));

/** A variable's filter: the tag it matches. */
export interface Filter {
  readonly tag: string;
  readonly variable: string;
}

export const filters = {
  street: { tag: 'street', variable: 'street' },
  station: { tag: 'device', variable: 'station' },
  section: { tag: 'device', variable: 'section' },
  substation: { tag: 'substation', variable: 'substation' },
} as const satisfies Record<string, Filter>;

/** The WHERE conditions of the filters a measurement can take (a district-wide rollup has no street). */
export function conditions(active: readonly Filter[], tags?: ReadonlySet<string>): string[] {
  return active.filter((filter) => !tags || tags.has(filter.tag)).map((filter) => tagMatches(filter.tag, filter.variable));
}
