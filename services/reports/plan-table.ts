import { evaluateCompliance, type ComplianceReport, type TargetCompliance } from '../compliance/compliance.ts';
import { judgesAnnualTargets, type Period } from '../compliance/period.ts';
import type { TargetsFile } from '../compliance/targets.ts';
import { unitLabel } from '../compliance/target-units.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { ReviewSource } from '../rollups/review-overlay.ts';
import { beijingMonthStartMs } from '../standards/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { PlanCache } from './plan-cache.ts';
import { say, type CellValue, type Lang, type ReportColumn, type ReportTable } from './report-table.ts';

export interface PlanTableDeps {
  readonly influx: InfluxClient;
  readonly registry: DeviceRegistry;
  readonly targets: TargetsFile;
  readonly now: number;
  readonly review?: ReviewSource;
  /** The period's evaluations kept a short while (plan-cache.ts); built at each call without one. */
  readonly planCache?: PlanCache;
}

const statusNames: Readonly<Record<string, readonly [string, string]>> = {
  met: ['达标', 'met'], 'at risk': ['有风险', 'at risk'], breached: ['未达标', 'breached'], 'insufficient data': ['数据不足', 'insufficient data'], reported: ['仅报告', 'reported'], manual: ['人工填报', 'reported by hand'],
};
const months = Array.from({ length: 12 }, (_, i) => i);

/**
 * The status as the workbook and the printed page show it: of a year still running or a part of a
 * year, met or at risk is a projection of the year and says so (a closed month's `breached` read as
 * the annual verdict the note beside said it was not).
 */
function statusCell(target: TargetCompliance, lang: Lang): string {
  const [zh, en] = statusNames[target.status] ?? [target.status, target.status];
  const projection = target.projected && (target.status === 'met' || target.status === 'at risk');
  return projection ? say(lang, `${zh}（预判）`, `${en} (projection)`) : say(lang, zh, en);
}

/**
 * A month's figure as the table prints it: the number where the month's data meet the standard's
 * validity rule, else marked as not valid with the partial figure beside (or alone, without data) (GB 3095 Table 4: a month
 * needs 27 daily means, February 25). The month columns have no status of their own, and the mean of
 * two days of March was printed like March's mean (and drawn as its bar in the monthly PM2.5 chart).
 */
function monthCell(figure: TargetCompliance | undefined, lang: Lang): CellValue {
  const value = cell(figure?.value);
  if (figure?.status !== 'insufficient data') return value;
  // A begun month without a single valid day falls short as well: left blank, it read like a month not yet come.
  if (value === null) return say(lang, '数据不足', 'insufficient data');
  return say(lang, `数据不足（${String(value)}）`, `insufficient data (${String(value)})`);
}
const cell = (value: number | string | null | undefined): CellValue => (value === undefined ? null : value);

function columns(lang: Lang, year: number): ReportColumn[] {
  return [
    { key: 'indicator', header: say(lang, '指标', 'Indicator'), width: 34 },
    { key: 'kind', header: say(lang, '属性', 'Kind'), width: 8 },
    { key: 'target', header: say(lang, '目标值', 'Target') },
    { key: 'baseline', header: say(lang, '2020年基准（规划所述）', '2020 baseline (as the plan states)'), width: 12 },
    { key: 'unit', header: say(lang, '单位', 'Unit'), width: 10 },
    ...months.map((m): ReportColumn => ({ key: `m${m + 1}`, header: say(lang, `${m + 1}月`, `${year}-${String(m + 1).padStart(2, '0')}`), width: 9 })),
    { key: 'period', header: say(lang, '本期', 'Period') },
    { key: 'status', header: say(lang, '评价', 'Status'), width: 12 },
  ];
}

/** The period's evaluation and each started month's, the review history read once for all of them. */
async function evaluatePlan(deps: PlanTableDeps, period: Period, started: readonly number[]): Promise<ComplianceReport[]> {
  const state = deps.review ? await deps.review.state() : undefined;
  const evaluationDeps = { ...deps, review: state ? { state: async () => state } : undefined };
  return Promise.all([
    evaluateCompliance(evaluationDeps, period.id),
    ...started.map((m) => evaluateCompliance(evaluationDeps, `${period.year}-${String(m + 1).padStart(2, '0')}`)),
  ]);
}

/**
 * The year against every plan target, month by month: each month's figure (a month of an annual
 * target is a part, not the verdict), the period's figure and its status.
 */
export async function planTable(deps: PlanTableDeps, period: Period, lang: Lang): Promise<{ table: ReportTable; report: ComplianceReport }> {
  const started = months.filter((m) => beijingMonthStartMs(period.year, m) < Math.min(deps.now, beijingMonthStartMs(period.year + 1, 0)));
  const evaluate = () => evaluatePlan(deps, period, started);
  const [report, ...monthly] = await (deps.planCache ? deps.planCache.get(period, evaluate) : evaluate());
  const rows = report!.targets.map((target, i) => {
    const row: Record<string, CellValue> = {
      // Not a column: the page finds the PM2.5 target's months by it.
      targetId: target.id,
      indicator: lang === 'zh' ? target.nameZh : target.nameEn,
      kind: target.kind === 'binding' ? say(lang, '约束性', 'binding') : say(lang, '预期性', 'expected'),
      target: target.comparator === 'report' ? null : cell(target.target),
      baseline: cell(target.baseline2020?.value),
      unit: unitLabel(target.unit, lang),
      period: cell(target.value),
      status: statusCell(target, lang),
    };
    started.forEach((m, j) => (row[`m${m + 1}`] = monthCell(monthly[j]!.targets[i], lang)));
    return row;
  });
  const annualFromPart = !judgesAnnualTargets(period);
  const table: ReportTable = {
    id: 'plan',
    title: say(lang, `${period.year}年规划目标完成情况（逐月）`, `${period.year} against the plan's targets, month by month`),
    sheet: say(lang, '规划目标', 'Plan targets'),
    columns: columns(lang, period.year),
    rows,
    notes: [
      say(lang, '规划目标均为年度目标：各月数值为当月数据的结果，仅供跟踪，不作为年度评价。', 'The plan’s targets are annual: a month’s figure is that month’s data alone, for following the year, never the annual verdict.'),
      say(lang, '某月有效数据不足（如PM₂.₅每月至少27个有效日，2月25个，GB 3095表4）时，该月标为“数据不足”，括号内为不足数据的结果。', 'A month whose data fall short of the validity rule (PM₂.₅: 27 valid days, February 25, GB 3095 Table 4) is marked “insufficient data”, the figure of the data there are in brackets.'),
      say(lang, '2020年基准为规划文本所述的2020年数值，规划未述者留空。', 'The 2020 baseline is the value the plan’s text states for 2020; blank where it states none.'),
      ...(annualFromPart ? [say(lang, '本期不足一个完整年度：年度目标的评价为依据已有数据的预判（标“预判”），不作为年度评价。', 'The period is not a whole year: the status of an annual target is a projection from the data so far (marked “projection”), not the annual verdict.')] : []),
    ],
  };
  return { table, report: report! };
}
