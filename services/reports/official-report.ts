import { parsePeriod, type Period } from '../compliance/period.ts';
import { districtName } from '../registry/place-names.ts';
import type { ComplianceReport } from '../compliance/compliance.ts';
import { dailyAirTable } from './daily-air-table.ts';
import { planTable, type PlanTableDeps } from './plan-table.ts';
import { rankingTable } from './ranking-table.ts';
import { REPORT_TABLE_IDS, type Lang, type ReportTable, type ReportTableId } from './report-table.ts';
import { waterMonthTable } from './water-month-table.ts';
import { familyTable } from './family-table.ts';

export type OfficialReportDeps = PlanTableDeps;

export interface OfficialReport {
  readonly period: Period;
  readonly lang: Lang;
  /** The district's name in the report's language. */
  readonly district: string;
  readonly generatedAtMs: number;
  /** Who compiles it (seeds/targets.json `compiledBy`), for the signature block. */
  readonly compiledBy?: { readonly zh: string; readonly en: string };
  readonly tables: readonly ReportTable[];
  /** The compliance report behind the plan table (present when the plan table was asked for). */
  readonly compliance?: ComplianceReport;
}

/** The official tables of a period (issue 22 item 3), all of them or the ones named, in the bureau's order. */
export async function buildOfficialReport(deps: OfficialReportDeps, periodId: string, lang: Lang, only: readonly ReportTableId[] = REPORT_TABLE_IDS): Promise<OfficialReport> {
  const period = parsePeriod(periodId, deps.now);
  const wanted = new Set(only);
  const [daily, water, ranking, plan, families] = await Promise.all([
    wanted.has('daily-air') ? dailyAirTable(deps, period, lang) : null,
    wanted.has('water-month') ? waterMonthTable(deps, period, lang) : null,
    wanted.has('ranking') ? rankingTable(deps, period, lang) : null,
    wanted.has('plan') ? planTable(deps, period, lang) : null,
    wanted.has('families') ? familyTable(deps, period, lang) : null,
  ]);
  const tables = [daily, water, ranking, plan?.table ?? null, families].filter((table): table is ReportTable => table !== null);
  return { period, lang, district: districtName(deps.registry.file, lang), generatedAtMs: deps.now, ...(deps.targets.compiledBy ? { compiledBy: { zh: deps.targets.compiledBy.zh, en: deps.targets.compiledBy.en } } : {}), tables, ...(plan ? { compliance: plan.report } : {}) };
}
