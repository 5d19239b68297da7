import { readdir, readFile } from 'node:fs/promises';

/** The parts of a dashboard's JSON the tests read. */
export interface DashboardJson {
  readonly uid: string;
  readonly title: string;
  readonly description?: string;
  readonly panels: PanelJson[];
  readonly templating: { list: VariableJson[] };
}
export interface PanelJson {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { type: string; uid: string };
  readonly gridPos: { x: number; y: number; w: number; h: number };
  /** Panel relative time (`now/y`): the panel's own range. */
  readonly timeFrom?: string;
  readonly targets?: Array<{ refId?: string; query?: string; rawQuery?: boolean; expr?: string }>;
  readonly panels?: PanelJson[];
}
export interface VariableJson {
  readonly name: string;
  readonly type: string;
  readonly query: string;
  readonly multi?: boolean;
  readonly includeAll?: boolean;
  readonly allValue?: string;
  readonly current?: { value?: string | string[] };
}

export const jsonDir = new URL('../../dashboards/json/', import.meta.url);

/** The committed dashboards, by file name. */
export async function readCommittedDashboards(): Promise<Map<string, DashboardJson>> {
  const names = (await readdir(jsonDir)).filter((name) => name.endsWith('.json')).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, JSON.parse(await readFile(new URL(name, jsonDir), 'utf8')) as DashboardJson] as const)));
}

/** Every panel, those inside (collapsed) rows included. */
export function allPanels(panels: readonly PanelJson[]): PanelJson[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}
