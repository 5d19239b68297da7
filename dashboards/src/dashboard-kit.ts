import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import { DashboardBuilder, DashboardCursorSync, RowBuilder, type Dashboard, type Panel, type VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';

export interface Section {
  /** Row title; the first section may have none. */
  readonly row?: string;
  /** A collapsed row keeps its panels inside it until opened (Grafana queries them only then). */
  readonly collapsed?: boolean;
  readonly panels: ReadonlyArray<Builder<Panel>>;
}

export interface DashboardSpec {
  /** Stable uid: links and provisioning keep pointing at the same dashboard. */
  readonly uid: string;
  /** Chinese title (the operations centre's language); English in the description. */
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly time?: { from: string; to: string };
  readonly refresh?: string;
  readonly variables: ReadonlyArray<Builder<VariableModel>>;
  readonly sections: readonly Section[];
}

/** Panel ids in reading order, rows and panels inside rows included: the same on every run. */
function numberPanels(panels: Array<Record<string, unknown>>, next = { id: 1 }): void {
  for (const panel of panels) {
    panel.id = next.id++;
    if (Array.isArray(panel.panels)) numberPanels(panel.panels as Array<Record<string, unknown>>, next);
  }
}

/** Builds a dashboard with Grafana's own builders; the result is plain JSON, no timestamps. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['wanxiang', ...spec.tags])
    .timezone('Asia/Shanghai')
    .time(spec.time ?? { from: 'now-2d', to: 'now' })
    .refresh(spec.refresh ?? '1m')
    .tooltip(DashboardCursorSync.Crosshair)
    .editable()
    .variables([...spec.variables]);
  for (const section of spec.sections) {
    if (section.collapsed) {
      const row = new RowBuilder(section.row ?? '').collapsed(true);
      for (const panel of section.panels) row.withPanel(panel);
      builder.withRow(row);
      continue;
    }
    if (section.row) builder.withRow(new RowBuilder(section.row));
    for (const panel of section.panels) builder.withPanel(panel);
  }
  const dashboard = builder.build();
  numberPanels((dashboard.panels ?? []) as unknown as Array<Record<string, unknown>>);
  return dashboard;
}
