import type { ComplianceReport, ComplianceStatus } from './compliance.ts';
import { ROLLUP_CONVENTIONS, gb3095VersionsFor } from './conventions.ts';

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

/** Issue 22 item 2: the marks that moved a figure, each once, with the targets it moved. */
function reviewSection(report: ComplianceReport): string[] {
  const marks = new Map<string, { mark: NonNullable<ComplianceReport['targets'][number]['reviewMarks']>[number]; targets: string[] }>();
  for (const t of report.targets) for (const mark of t.reviewMarks ?? []) (marks.get(mark.id) ?? marks.set(mark.id, { mark, targets: [] }).get(mark.id)!).targets.push(t.id);
  if (marks.size === 0) return [];
  return [
    '审核标记 Review marks that moved a figure:',
    '',
    ...[...marks.values()].map(({ mark, targets }) => `- ${mark.id}: ${mark.devices.join(', ')}, ${mark.from} to ${mark.to}, ${mark.fields.length ? mark.fields.join(', ') : 'all fields'}; reason ${mark.reason}${mark.flag ? ` (HJ 212 flag ${mark.flag})` : ''}${mark.comment ? `: ${mark.comment}` : ''}; by ${mark.by}; moves ${targets.join(', ')}`),
    '',
  ];
}

/** A report an officer can hand on: Chinese and English side by side. */
export function formatMarkdown(report: ComplianceReport): string {
  const reviewed = report.targets.some((t) => t.unreviewedValue !== undefined);
  const lines = [
    `# ${report.district} 规划指标监测报告 / Plan compliance report`,
    '',
    `- 时段 Period: **${report.period.id}** (${report.period.complete ? '已结束 complete' : '进行中 in progress: statuses are projections'})`,
    `- 规划 Plan: ${report.plan}`,
    `- 生成时间 Generated: ${report.generatedAt}`,
    '',
    `| 指标 Indicator | 名称 | Name | 目标 Target | 监测值 Value |${reviewed ? ' 审核前 Unreviewed |' : ''} 状态 Status | 数据完整率 Completeness | 依据 Standard |`,
    `|---|---|---|---|---|${reviewed ? '---|' : ''}---|---|---|`,
    ...report.targets.map((t) =>
      `| ${t.indicator} | ${t.nameZh} | ${t.nameEn} | ${targetText(t.comparator, t.target, t.unit)} | ${cell(t.value)} ${t.value === null ? '' : t.unit} |${reviewed ? ` ${t.unreviewedValue === undefined ? '—' : cell(t.unreviewedValue)} |` : ''} ${statusZh[t.status]} / ${t.status} | ${t.completeness === null ? '—' : `${(t.completeness * 100).toFixed(1)} %`} | ${t.standards.join('; ') || '—'} |`),
    '',
    ...reviewSection(report),
    '数据来源 Provenance: each figure is computed from the rollup measurements named below (InfluxDB), themselves computed from the raw readings.',
    '',
    // Each sentence once (issue 22 item 4): the water rounding is said in the conventions below.
    ...report.targets.flatMap((t) => t.provenance.map((p) => `- ${t.id}: ${p.measurement}, ${p.points} points`)),
    '',
    '约定 Conventions (how the figures are computed, with their sources):',
    '',
    ...ROLLUP_CONVENTIONS.map((c) => `- **${c.topic}**: ${c.rule}. Source: ${c.source}.`),
    `- **GB 3095 version**: ${gb3095VersionsFor(report.period.fromMs, report.period.toMs).join(' (to 2026-02-28) and ')} for this period's limits and validity rules.`,
    '',
    ...notes(report),
  ];
  return lines.join('\n');
}

export function formatCsv(report: ComplianceReport): string {
  const quote = (value: unknown) => `"${cell(value).replaceAll('"', '""')}"`;
  const header = ['period', 'indicator', 'id', 'name_zh', 'name_en', 'kind', 'comparator', 'target', 'unit', 'value', 'unreviewed_value', 'status', 'projected', 'completeness', 'standards', 'review_marks'];
  const rows = report.targets.map((t) =>
    [report.period.id, t.indicator, t.id, t.nameZh, t.nameEn, t.kind, t.comparator, t.target, t.unit, t.value, t.unreviewedValue ?? t.value, t.status, t.projected, t.completeness, t.standards.join('; '), (t.reviewMarks ?? []).map((mark) => mark.id).join(' ')].map(quote).join(','));
  // A UTF-8 byte-order mark: Excel on a Chinese Windows reads the file as UTF-8, not GBK (issue 22 item 4).
  return `\uFEFF${header.join(',')}\n${rows.join('\n')}\n`;
}
