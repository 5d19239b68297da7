import { buildDashboard } from '../dashboard-kit.ts';
import { stat, text, timeseries, type AnyPanel } from '../panel-kit.ts';
import type { BuildContext, DashboardDefinition } from '../context.ts';
import { targetSeries } from '../target-series.ts';
import type { Target } from '../../../services/compliance/targets.ts';

const comparatorText = (target: Target) => (target.comparator === 'report' ? 'reported, no number in the plan' : `${target.comparator === '<=' ? '≤' : '≥'} ${target.value} ${target.unit}`);

/** A target's chart and tile: its series with the plan's value as a dashed threshold line. */
export function targetPanels(target: Target, context: BuildContext, options: { tileOnly?: boolean; timeFrom?: string } = {}): AnyPanel[] {
  const series = targetSeries(target, context.schema, context.devices);
  if (!series) return [];
  // A step colours values from its value up: for a "≤ N" count or class, N itself meets the target.
  const margin = target.comparator === '<=' && series.unit === 'none' ? 0.5 : 0;
  const thresholds = series.threshold === null ? undefined : [{ value: series.threshold + margin, color: series.lowerIsWorse ? 'green' : 'red' }];
  const common = {
    description: `${target.nameEn} (indicator ${target.indicator}, ${target.kind}): ${comparatorText(target)}. ${series.note} Plan: ${target.planRef}.`,
    unit: series.unit,
    lowerIsWorse: series.lowerIsWorse,
    ...(thresholds ? { thresholds } : {}),
    ...(series.valueText ? { valueText: series.valueText } : {}),
  };
  const tile = stat({ ...common, title: target.nameZh, targets: [series.tile], ...(options.timeFrom ? { timeFrom: options.timeFrom } : {}) });
  if (options.tileOnly) return [tile];
  return [tile, timeseries({ ...common, title: `${target.nameZh} · ${target.nameEn}`, width: 18, height: 5, targets: series.queries })];
}

export const complianceDashboard: DashboardDefinition = {
  file: 'compliance.json',
  build(context) {
    const measured = context.targets.targets.filter((target) => target.rule !== 'manual');
    const manual = context.targets.targets.filter((target) => target.rule === 'manual');
    const manualTable = ['| 指标 | Indicator | 目标 Target | 依据 Plan |', '|---|---|---|---|', ...manual.map((t) => `| ${t.nameZh} | ${t.nameEn} | ${comparatorText(t)} | ${t.planRef} |`)].join('\n');
    return buildDashboard({
      uid: 'wanxiang-compliance',
      title: '万象 · 规划指标达标',
      description: 'Wanxiang: the district plan\'s targets (seeds/targets.json), each as its series from the rollups against the target as a threshold. Set the time range to the year to read a year-to-date value. The figures of record come from /api/v1/compliance, which applies the standards\' validity rules.',
      tags: ['compliance'],
      time: { from: 'now/y', to: 'now' },
      refresh: '5m',
      variables: [],
      sections: [
        ...measured.map((target) => ({ row: `${target.indicator} · ${target.nameZh}`, panels: targetPanels(target, context) })),
        { row: '人工填报 Reported by hand', panels: [text('无传感器的指标 · Targets no sensor measures', manualTable)] },
      ],
    });
  },
};
