import { expect } from 'vitest';
import type { InfluxClient, Series } from '../../services/storage/influx-client.ts';
import { allPanels, type DashboardJson } from './grafana-dashboards.ts';
import { expandQuery, type Selection, type TimeRange } from './grafana-macros.ts';

/** A dashboard's variables, each at All with the values its query found. */
export type PanelVariables = Record<string, { selection: Selection; allValues: string[] }>;

export interface PanelSource {
  readonly influx: InfluxClient;
  readonly dashboards: ReadonlyMap<string, DashboardJson>;
  /** Each dashboard's variables by its uid, read at its first panel asked, over that panel's range. */
  readonly variables: Map<string, PanelVariables>;
}

/** A panel's first query, run against InfluxDB as Grafana sends it with every variable at All. */
export async function queryPanel(source: PanelSource, uid: string, title: string, range: TimeRange): Promise<Series[]> {
  const { influx, dashboards, variables } = source;
  const dashboard = [...dashboards.values()].find((candidate) => candidate.uid === uid)!;
  const found = allPanels(dashboard.panels).find((candidate) => candidate.title === title);
  expect(found, `${uid}: ${title}`).toBeDefined();
  if (!variables.has(uid)) {
    const values: PanelVariables = {};
    for (const variable of dashboard.templating.list) {
      const series = await influx.query(expandQuery(variable.query, range, values));
      values[variable.name] = { selection: '$__all', allValues: series.flatMap((s) => s.values.map((row) => String(row[1]))) };
    }
    variables.set(uid, values);
  }
  return influx.query(expandQuery(found!.targets![0]!.query!, range, variables.get(uid)!));
}
