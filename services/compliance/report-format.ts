import type { ComplianceReport, ComplianceStatus } from './compliance.ts';
import { ROLLUP_CONVENTIONS } from './conventions.ts';

const statusZh: Record<ComplianceStatus, string> = {
  met: '达标', 'at risk': '有风险（按目前数据推算）', breached: '未达标', 'insufficient data': '数据不足', reported: '仅报告', manual: '人工填报',
};

const cell = (value: unknown) => (value === null || value === undefined ? '—' : String(value));
const targetText = (comparator: string, value: unknown, unit: string) => (comparator === 'report' ? '—' : `${comparator === '<=' ? '≤' : '≥'} ${cell(value)} ${unit}`);

/** Per-target notes an officer needs to read a figure right: coverage and definitions. */
function notes(report: ComplianceReport): string[] {
  const lines: string[] = [];
  for (const t of report.targets) {
    const d = (t.details ?? {}) as Record<string, unknown>;
    if (d.heavyLoadHoursDefinition) lines.push(`- ${t.id}: ${String(d.heavyLoadHours)} heavy-load hours; ${String(d.heavyLoadHoursDefinition)}`);
    if (d.coverageRule) lines.push(`- ${t.id}: ${String(d.nightsComplete)} complete nights, ${String(d.nightsIncomplete)} left out (mean coverage ${cell(d.meanNightCoverage)}); ${String(d.coverageRule)}`);
    if (d.tnClass !== undefined) lines.push(`- ${t.id}: TN class ${cell(d.tnClass)} (${String(d.tnNote)})`);
  }
  return lines.length ? ['说明 Notes:', '', ...lines, ''] : [];
}

/** A report an officer can hand on: Chinese and English side by side. */
export function formatMarkdown(report: ComplianceReport): string {
  const lines = [
    `# ${report.district} 规划指标监测报告 / Plan compliance report`,
    '',
    `- 时段 Period: **${report.period.id}** (${report.period.complete ? '已结束 complete' : '进行中 in progress: statuses are projections'})`,
    `- 规划 Plan: ${report.plan}`,
    `- 生成时间 Generated: ${report.generatedAt}`,
    '',
    '| 指标 Indicator | 名称 | Name | 目标 Target | 监测值 Value | 状态 Status | 数据完整率 Completeness | 依据 Standard |',
    '|---|---|---|---|---|---|---|---|',
    ...report.targets.map((t) =>
      `| ${t.indicator} | ${t.nameZh} | ${t.nameEn} | ${targetText(t.comparator, t.target, t.unit)} | ${cell(t.value)} ${t.value === null ? '' : t.unit} | ${statusZh[t.status]} / ${t.status} | ${t.completeness === null ? '—' : `${(t.completeness * 100).toFixed(1)} %`} | ${t.standards.join('; ') || '—'} |`),
    '',
    '数据来源 Provenance: each figure is computed from the rollup measurements named below (InfluxDB), themselves computed from the raw readings.',
    '',
    ...report.targets.flatMap((t) => t.provenance.map((p) => `- ${t.id}: ${p.measurement}, ${p.points} points, ${p.from} to ${p.to}${p.rounding ? `; ${p.rounding}` : ''}`)),
    '',
    '约定 Conventions (how the figures are computed, with their sources):',
    '',
    ...ROLLUP_CONVENTIONS.map((c) => `- **${c.topic}**: ${c.rule}. Source: ${c.source}.`),
    '',
    ...notes(report),
  ];
  return lines.join('\n');
}

export function formatCsv(report: ComplianceReport): string {
  const quote = (value: unknown) => `"${cell(value).replaceAll('"', '""')}"`;
  const header = ['period', 'indicator', 'id', 'name_zh', 'name_en', 'kind', 'comparator', 'target', 'unit', 'value', 'status', 'projected', 'completeness', 'standards'];
  const rows = report.targets.map((t) =>
    [report.period.id, t.indicator, t.id, t.nameZh, t.nameEn, t.kind, t.comparator, t.target, t.unit, t.value, t.status, t.projected, t.completeness, t.standards.join('; ')].map(quote).join(','));
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}
