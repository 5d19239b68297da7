import { beijingMinuteText, beijingWallClock } from '../standards/index.ts';
import type { ComplianceReport, ComplianceStatus, TargetCompliance } from './compliance.ts';
import { basisText } from './basis-names.ts';
import { CONVENTIONS_ZH, ROLLUP_CONVENTIONS, gb3095VersionsFor } from './conventions.ts';
import { markdownText } from './markdown-text.ts';
import { reviewSection } from './review-section.ts';
import { quantityText, unitLabel } from './target-units.ts';

export type ReportLang = 'zh' | 'en';
const say = (lang: ReportLang, zh: string, en: string) => (lang === 'zh' ? zh : en);

const statusText: Record<ComplianceStatus, readonly [string, string]> = {
  met: ['达标', 'met'], 'at risk': ['有风险（按目前数据推算）', 'at risk (projected from the data so far)'], breached: ['未达标', 'breached'],
  'insufficient data': ['数据不足', 'insufficient data'], reported: ['仅报告', 'reported'], manual: ['人工填报', 'reported by hand'],
};

/** A status as printed: `met` of a part of a year, or of a year still running, is a projection and says so (`at risk` always does). */
const statusLabel = (t: TargetCompliance, lang: ReportLang) => (t.status === 'met' && t.projected ? say(lang, '达标（预判）', 'met (projection)') : say(lang, ...statusText[t.status]));

/** The same period a year before, when the platform has it (issue 22 item 4); the 2020 baseline comes from the plan itself. */
export interface ReportComparisons {
  readonly lastYear?: ComplianceReport;
}

const beijing = beijingWallClock;
/** Beijing time to the minute, named (never UTC in a report). */
export const beijingMinute = (ms: number, lang: ReportLang) => `${beijingMinuteText(ms)} ${say(lang, '（北京时间）', '(Beijing time)')}`;
const beijingDate = (ms: number) => beijing(ms).slice(0, 10);

const cell = (value: unknown) => (value === null || value === undefined ? '—' : String(value));
/** A value with its unit in the report's language (units translated in one place: target-units.ts). */
const valueText = (value: unknown, unit: string, lang: ReportLang) => (value === null || value === undefined ? '—' : quantityText(value as number | string, unit, lang));
const targetText = (t: TargetCompliance, lang: ReportLang) => (t.comparator === 'report' ? '—' : `${t.comparator === '<=' ? '≤' : '≥'} ${valueText(t.target, t.unit, lang)}`);

/** Per-target figures an officer needs to read a result right (coverage, definitions), in the report's language. */
function notes(report: ComplianceReport, lang: ReportLang): string[] {
  const lines: string[] = [];
  for (const t of report.targets) {
    const d = (t.details ?? {}) as Record<string, unknown>;
    const name = lang === 'zh' ? t.nameZh : t.nameEn;
    if (d.heavyLoadHours !== undefined) lines.push(`- ${name}: ${say(lang, `重载小时 ${String(d.heavyLoadHours)}`, `${String(d.heavyLoadHours)} heavy-load hours`)}`);
    if (d.nightsComplete !== undefined) lines.push(`- ${name}: ${say(lang, `完整夜间 ${String(d.nightsComplete)} 个，不足覆盖率而未计 ${String(d.nightsIncomplete)} 个`, `${String(d.nightsComplete)} complete nights, ${String(d.nightsIncomplete)} left out for coverage`)}`);
    if (d.tnClass !== undefined && d.tnClass !== null) lines.push(`- ${name}: ${say(lang, `总氮单独评价为${cell(d.tnClass)}类`, `TN evaluated apart: Class ${cell(d.tnClass)}`)}`);
  }
  // Where each 2020 baseline is in the plan (issue 22 item 7): its words in Chinese, its lines in English.
  const baselines = report.targets.filter((t) => t.baseline2020);
  if (baselines.length) {
    lines.push(`- ${say(lang,
      `2020年基准为规划所述数值：${baselines.map((t) => `${t.nameZh}（规划第${t.baseline2020!.planRef.replace(/^lines? /, '')}行：“${t.baseline2020!.quote.replace(/[“”]/g, '')}”）`).join('；')}；规划未述者为“—”。`,
      `The 2020 baseline is the value the plan states for 2020: ${baselines.map((t) => `${t.nameEn} (plan ${t.baseline2020!.planRef})`).join('; ')}; "—" where the plan states none.`)}`);
  }
  return lines.length ? [say(lang, '## 说明', '## Notes'), '', ...lines, ''] : [];
}

/**
 * Issue 25 item 4: the families' key figures, which the plan sets no numeric target for (so no
 * verdict): the district's figure and each group's (a charging station's).
 */
function withoutTargetSection(report: ComplianceReport, lang: ReportLang): string[] {
  const figures = report.withoutTarget ?? [];
  if (figures.length === 0) return [];
  const text = (label: { zh: string; en: string }) => (lang === 'zh' ? label.zh : label.en);
  const none = say(lang, '规划未设数值目标', 'no plan target');
  const heads = [say(lang, '监测', 'Monitoring'), say(lang, '指标', 'Figure'), say(lang, '范围', 'Scope'), say(lang, '监测值', 'Value'), say(lang, '目标', 'Target')];
  const rows = figures.flatMap((f) => [
    [text(f.familyLabel), text(f.label), say(lang, `全区（${f.devices} 个设备有数据）`, `district (${f.devices} devices with data)`), valueText(f.value, f.unit, lang), none],
    // A group's name is the registry's text: one inline run, its `|` escaped (it is a table cell).
    ...f.groups.map((g) => [text(f.familyLabel), text(f.label), `${f.groupLabel ? text(f.groupLabel) : ''} ${markdownText(text(g.name))}`.trim(), valueText(g.value, f.unit, lang), none]),
  ]);
  return [
    say(lang, '## 规划未设数值目标的监测', '## Monitored figures without a plan target'),
    '',
    say(lang, '规划只提出建设要求（监测预警网络、充电基础设施），未设可由这些监测值评价的数值目标，故只列数值、不作达标评价。', 'The plan asks for the monitoring network and the infrastructure but sets no numeric target these figures measure: they are given without a verdict.'),
    '',
    `| ${heads.join(' | ')} |`,
    `|${heads.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
  ];
}

/** The rollups' measurements as a Chinese reader knows them (the ids are InfluxDB's, given in English documents). */
const measurementNamesZh: Readonly<Record<string, string>> = {
  air_daily: '空气质量站点日数据', air_daily_district: '全区空气质量日数据', water_quality: '地表水监测原始数据', water_monthly: '地表水月数据',
  noise_daily: '噪声日数据', grid_daily: '配变日数据', parking_daily: '停车场日数据',
};

/** Where the figures come from: each rollup measurement once, with the number of points read. */
function provenance(report: ComplianceReport, lang: ReportLang): string[] {
  const byMeasurement = new Map<string, number>();
  for (const t of report.targets) for (const p of t.provenance) byMeasurement.set(p.measurement, Math.max(byMeasurement.get(p.measurement) ?? 0, p.points));
  return [
    say(lang, '## 数据来源', '## Data'),
    '',
    say(lang, '各项结果由下列汇总数据计算，汇总数据由原始监测数据计算：', 'Each figure is computed from these rollups, themselves computed from the raw readings:'),
    '',
    ...[...byMeasurement].map(([measurement, points]) => `- ${say(lang, measurementNamesZh[measurement] ?? measurement, measurement)}: ${points} ${say(lang, '条', 'points')}`),
    '',
  ];
}

function conventions(report: ComplianceReport, lang: ReportLang): string[] {
  const versions = gb3095VersionsFor(report.period.fromMs, report.period.toMs);
  return [
    say(lang, '## 计算约定', '## Conventions'),
    '',
    ...(lang === 'zh' ? CONVENTIONS_ZH.map((line) => `- ${line}`) : ROLLUP_CONVENTIONS.map((c) => `- **${c.topic}**: ${c.rule}. Source: ${c.source}.`)),
    `- ${say(lang, `本时段适用 ${versions.join('（至2026-02-28）及 ')}。`, `GB 3095 version: ${versions.join(' (to 2026-02-28) and ')} for this period's limits and validity rules.`)}`,
    '',
  ];
}

/** The caveats a reader needs first: a part of a year judged against annual targets, a period still running. */
function caveats(report: ComplianceReport, lang: ReportLang): string[] {
  const lines: string[] = [];
  // A year to date at its year's end is the whole year, judged as one (judgesAnnualTargets).
  if (report.period.kind !== 'year' && !(report.period.kind === 'ytd' && report.period.complete)) lines.push(say(lang, '> 注意：本时段不足一个完整年度。规划目标均为年度目标，本表数值仅反映本时段数据，不构成年度评价；评价为依据本时段数据对全年的预判。', '> Note: this period is not a whole year. The plan’s targets are annual: the figures here are this period’s data alone, not the annual verdict; statuses are projections of the year from them.'));
  if (!report.period.complete) lines.push(say(lang, '> 本时段尚未结束，评价为依据已有数据的推算；上年一列为上年全期数值，并非同期。', '> The period is still running: statuses are projections from the data so far, and the last-year column is last year’s whole period, not the same days.'));
  return lines.length ? [...lines, ''] : [];
}

const periodName = (report: ComplianceReport, lang: ReportLang) => {
  const { period } = report;
  const range = `${beijingDate(period.fromMs)} – ${beijingDate(period.fullToMs - 1)}`;
  return say(lang, `${period.id}（${range}，北京时间）`, `${period.id} (${range}, Beijing time)`);
};

/**
 * The signature block (issue 22 item 5): the compiling unit from the targets file (its department's
 * name), or a labelled line to write it by hand; lines for the reviewer and the signer; the date.
 */
export function signatureBlock(compiledBy: { readonly zh: string; readonly en: string } | undefined, lang: ReportLang, date: string): string[] {
  return [
    compiledBy ? say(lang, `编制单位：${compiledBy.zh}`, `Compiled by: ${compiledBy.en}`) : say(lang, '编制单位（手填）：____________________', 'Compiled by (write in): ____________________'),
    say(lang, '审核：____________　　签发：____________', 'Reviewed by: ____________    Approved by: ____________'),
    say(lang, `编制日期：${date}`, `Date: ${date}`),
  ];
}

/** A report an officer can hand on, in one language (issue 22 item 4). */
export function formatMarkdown(report: ComplianceReport, lang: ReportLang = 'zh', comparisons: ReportComparisons = {}): string {
  const reviewed = report.targets.some((t) => t.unreviewedValue !== undefined);
  const compare = (other: ComplianceReport | undefined, t: TargetCompliance) => valueText(other?.targets.find((o) => o.id === t.id)?.value, t.unit, lang);
  const extraHeads = [
    ...(reviewed ? [say(lang, '审核前', 'Unreviewed')] : []),
    // Last year's period is whole while this one still runs (2026 in December beside all of 2025): not "the same period".
    ...(comparisons.lastYear ? [report.period.complete
      ? say(lang, `去年同期（${comparisons.lastYear.period.id}）`, `Last year (${comparisons.lastYear.period.id})`)
      : say(lang, `上年全期（${comparisons.lastYear.period.id}）`, `Last year, whole period (${comparisons.lastYear.period.id})`)] : []),
    // Issue 22 item 7: the values the plan states for 2020 (seeds/targets.json), never a 2020 computed from data.
    say(lang, '2020年基准（规划所述）', '2020 baseline (as the plan states)'),
  ];
  const heads = [say(lang, '指标', 'Indicator'), say(lang, '目标', 'Target'), say(lang, '监测值', 'Value'), ...extraHeads, say(lang, '评价', 'Status'), say(lang, '数据完整率', 'Completeness'), say(lang, '依据', 'Standard')];
  const row = (t: TargetCompliance) => [
    lang === 'zh' ? t.nameZh : t.nameEn, targetText(t, lang), valueText(t.value, t.unit, lang),
    ...(reviewed ? [t.unreviewedValue === undefined ? '—' : valueText(t.unreviewedValue, t.unit, lang)] : []),
    ...(comparisons.lastYear ? [compare(comparisons.lastYear, t)] : []),
    t.baseline2020 ? valueText(t.baseline2020.value, t.unit, lang) : '—',
    statusLabel(t, lang), t.completeness === null ? '—' : `${(t.completeness * 100).toFixed(1)} %`, t.standards.map((basis) => basisText(basis, lang)).join(say(lang, '；', '; ')) || '—',
  ];
  const lines = [
    // One language a document (issue 22 item 1): the district's and the plan's names in it, the plan's
    // Chinese name once in English, as its title.
    say(lang, `# ${report.district}规划指标监测报告`, `# ${report.districtEn ?? report.district}: plan compliance report`),
    '',
    `- ${say(lang, '时段', 'Period')}: **${periodName(report, lang)}**`,
    `- ${say(lang, '规划', 'Plan')}: ${say(lang, report.plan, report.planEn ? `${report.planEn} (Chinese title: ${report.plan})` : report.plan)}`,
    `- ${say(lang, '生成时间', 'Generated')}: ${beijingMinute(Date.parse(report.generatedAt), lang)}`,
    '',
    ...caveats(report, lang),
    `| ${heads.join(' | ')} |`,
    `|${heads.map(() => '---').join('|')}|`,
    ...report.targets.map((t) => `| ${row(t).join(' | ')} |`),
    '',
    ...withoutTargetSection(report, lang),
    ...reviewSection(report, lang),
    ...notes(report, lang),
    ...provenance(report, lang),
    ...conventions(report, lang),
    ...signatureBlock(report.compiledBy, lang, beijingDate(Date.parse(report.generatedAt))),
    '',
  ];
  return lines.join('\n');
}

const kindZh: Readonly<Record<TargetCompliance['kind'], string>> = { binding: '约束性', expected: '预期性' };

/** CSV for spreadsheets: headers in the report's language, a UTF-8 byte-order mark (Excel on a Chinese Windows). */
export function formatCsv(report: ComplianceReport, lang: ReportLang = 'zh'): string {
  const quote = (value: unknown) => `"${cell(value).replaceAll('"', '""')}"`;
  const header = lang === 'zh'
    ? ['时段', '指标编号', '指标', '属性', '比较', '目标值', '单位', '监测值', '审核前', '评价', '推算', '数据完整率', '依据', '审核标记']
    : ['period', 'id', 'indicator', 'kind', 'comparator', 'target', 'unit', 'value', 'unreviewed_value', 'status', 'projected', 'completeness', 'standards', 'review_marks'];
  const rows = report.targets.map((t) =>
    [report.period.id, t.id, lang === 'zh' ? t.nameZh : t.nameEn, lang === 'zh' ? kindZh[t.kind] : t.kind, t.comparator, t.target, unitLabel(t.unit, lang), t.value, t.unreviewedValue ?? t.value, statusLabel(t, lang),
      lang === 'zh' ? (t.projected ? '是' : '否') : t.projected, t.completeness, t.standards.map((basis) => basisText(basis, lang)).join('; '), (t.reviewMarks ?? []).map((mark) => mark.id).join(' ')].map(quote).join(','));
  return `\uFEFF${header.map(quote).join(',')}\n${rows.join('\n')}\n`;
}
