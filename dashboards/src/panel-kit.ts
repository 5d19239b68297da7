import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { BigValueGraphMode, GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode, LegendDisplayMode, LegendPlacement, ReduceDataOptionsBuilder, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { MappingType, ThresholdsConfigBuilder, ThresholdsMode, type Panel, type ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder as PromQueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TextPanel } from '@grafana/grafana-foundation-sdk/text';
import { PanelBuilder as TimeSeriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { InfluxQueryBuilder } from './influx-query.ts';

/** The provisioned data sources (dashboards/provisioning/datasources): panels name them by uid. */
export const influxDatasource = { type: 'influxdb', uid: 'wanxiang-influxdb' } as const;
export const prometheusDatasource = { type: 'prometheus', uid: 'wanxiang-prometheus' } as const;

export type Target = InfluxQueryBuilder | PromQueryBuilder;

export interface PanelSpec {
  readonly title: string;
  readonly description?: string;
  readonly targets: readonly Target[];
  readonly unit?: string;
  readonly decimals?: number;
  /** Threshold steps above the base colour: `[{ value: 80, color: 'orange' }, ...]`. */
  readonly thresholds?: ReadonlyArray<{ value: number; color: string }>;
  /** Thresholds where lower is worse (dissolved oxygen, good-day share): red below the first step. */
  readonly lowerIsWorse?: boolean;
  /** Numbers shown as text (water class ranks as I … 劣V). */
  readonly valueText?: readonly string[];
  readonly width?: number;
  readonly height?: number;
  readonly min?: number;
  readonly max?: number;
  /** Grafana's panel relative time, e.g. `now/y`: the year so far whatever the dashboard's range. */
  readonly timeFrom?: string;
}

/** A PromQL target against the provisioned Prometheus. */
export const prom = (expr: string, legend: string) => new PromQueryBuilder().expr(expr).legendFormat(legend).range();

function refIds(targets: readonly Target[]): Builder<Dataquery>[] {
  return targets.map((target, i) => target.refId(String.fromCharCode(65 + i)));
}

/** Steps from a base colour: green (red where lower is worse), then each step's colour from its value up. */
function thresholdsOf(spec: PanelSpec) {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    // Grafana's base step has value null ("-Infinity").
    { value: null as unknown as number, color: spec.lowerIsWorse ? 'red' : 'green' },
    ...(spec.thresholds ?? []).map((step) => ({ value: step.value, color: step.color })),
  ]);
}

function mappingsOf(spec: PanelSpec): ValueMapping[] {
  if (!spec.valueText) return [];
  return [{ type: MappingType.ValueToText, options: Object.fromEntries(spec.valueText.map((text, i) => [String(i), { text, index: i }])) }];
}

const datasourceOf = (spec: PanelSpec) => (spec.targets[0] instanceof PromQueryBuilder ? prometheusDatasource : influxDatasource);

/** Settings every kind of panel shares. */
function common<T extends TimeSeriesPanel | StatPanel | TablePanel>(panel: T, spec: PanelSpec): T {
  panel.title(spec.title).datasource(datasourceOf(spec)).targets(refIds(spec.targets)).span(spec.width ?? 12).height(spec.height ?? 8);
  if (spec.description) panel.description(spec.description);
  if (spec.unit) panel.unit(spec.unit);
  if (spec.decimals !== undefined) panel.decimals(spec.decimals);
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  if (spec.thresholds) panel.thresholds(thresholdsOf(spec));
  if (spec.valueText) panel.mappings(mappingsOf(spec));
  if (spec.timeFrom) panel.timeFrom(spec.timeFrom);
  return panel;
}

export function timeseries(spec: PanelSpec): TimeSeriesPanel {
  const panel = common(new TimeSeriesPanel(), spec)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).calcs([]))
    .spanNulls(true);
  // A plan target or a standard's limit is drawn as a dashed line across the chart.
  if (spec.thresholds) panel.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  return panel;
}

export function stat(spec: PanelSpec & { calc?: 'lastNotNull' | 'mean' | 'sum' | 'max' }): StatPanel {
  return common(new StatPanel(), { width: 6, height: 5, ...spec })
    .reduceOptions(new ReduceDataOptionsBuilder().calcs([spec.calc ?? 'lastNotNull']).values(false))
    .graphMode(BigValueGraphMode.None);
}

export function table(spec: PanelSpec): TablePanel {
  return common(new TablePanel(), { width: 24, height: 8, ...spec });
}

/** A panel of text only (targets with no sensor: reported by hand). */
export function text(title: string, markdown: string, width = 24, height = 6): TextPanel {
  return new TextPanel().title(title).content(markdown).span(width).height(height);
}

export type AnyPanel = Builder<Panel>;
