import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import { DashboardBuilder, DashboardCursorSync, DashboardLinkBuilder, DashboardLinkType, RowBuilder, type Dashboard, type Panel, type VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';

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

interface GridPanel {
  id?: number;
  type: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  panels?: GridPanel[];
}

/**
 * Panel ids in reading order and positions on Grafana's 24-column grid, rows and panels
 * inside collapsed rows included: the same on every run. A panel that does not fit on the
 * current line starts the next one (the SDK's own layout lets it overflow).
 */
function layOut(panels: GridPanel[]): void {
  let id = 1;
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  const place = (panel: GridPanel) => {
    const w = Math.min(24, panel.gridPos?.w ?? 12);
    const h = panel.gridPos?.h ?? 8;
    if (x + w > 24) [x, y, lineHeight] = [0, y + lineHeight, 0];
    panel.gridPos = { x, y, w, h };
    x += w;
    lineHeight = Math.max(lineHeight, h);
  };
  for (const panel of panels) {
    panel.id = id++;
    if (panel.type !== 'row') {
      place(panel);
      continue;
    }
    [x, y, lineHeight] = [0, y + lineHeight, 0];
    panel.gridPos = { x: 0, y, w: 24, h: 1 };
    y += 1;
    // A collapsed row keeps its panels' positions for when it is opened; they take no room now.
    const saved = { x, y, lineHeight };
    for (const inner of panel.panels ?? []) {
      inner.id = id++;
      place(inner);
    }
    if (panel.panels?.length) [x, y, lineHeight] = [saved.x, saved.y, saved.lineHeight];
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
    // Every Wanxiang dashboard one click away, keeping the time range and the street chosen.
    .link(new DashboardLinkBuilder('万象 Wanxiang').type(DashboardLinkType.Dashboards).tags(['wanxiang']).asDropdown(true).keepTime(true).includeVars(true))
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
  layOut((dashboard.panels ?? []) as unknown as GridPanel[]);
  return dashboard;
}
