import type { DeviceRegistry } from '../registry/device-registry.ts';
import { districtName, placeName } from '../registry/place-names.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { judgesAnnualTargets, parsePeriod, type Period } from './period.ts';
import type { MarkRecord } from '../review/mark-schema.ts';
import { derivedFieldsOf } from '../review/marked-fields.ts';
import { marksMovingFigure } from './moving-marks.ts';
import type { ReviewSource } from '../rollups/review-overlay.ts';
import { classRank, rules, type Provenance, type RuleOutcome } from './rules/index.ts';
import { createSharedReads } from './rules/rule.ts';
import type { Target, TargetsFile } from './targets.ts';
import { familyFigures, type FamilyFigure } from './family-figures.ts';

export type ComplianceStatus = 'met' | 'at risk' | 'breached' | 'insufficient data' | 'reported' | 'manual';

export interface TargetCompliance {
  readonly id: string;
  readonly indicator: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly kind: Target['kind'];
  readonly comparator: Target['comparator'];
  readonly target: Target['value'];
  readonly unit: string;
  readonly value: number | string | null;
  readonly status: ComplianceStatus;
  /** For a period still running or a part of a year: the status is a projection of the year from the data so far (judgesAnnualTargets). */
  readonly projected: boolean;
  readonly completeness: number | null;
  readonly standards: readonly string[];
  readonly provenance: readonly Provenance[];
  readonly details?: Readonly<Record<string, unknown>>;
  readonly planRef: string;
  /** The 2020 value the plan states (seeds/targets.json, with its lines); absent where it states none. */
  readonly baseline2020?: { readonly value: number | string; readonly planRef: string; readonly quote: string };
  /**
   * Issue 22 item 2: the figure before review (the data as the instruments gave them), for the targets
   * whose rules compute it (air and water); absent where none is computed or no mark exists.
   */
  readonly unreviewedValue?: number | string | null;
  /**
   * The marks in force that changed the figure's inputs (the days, or a section's samples, whose values or
   * validity the review moved: moving-marks.ts), when the reviewed figure differs from the unreviewed one.
   */
  readonly reviewMarks?: readonly ReviewMarkSummary[];
}

export interface ReviewMarkSummary {
  readonly id: string;
  readonly devices: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly fields: readonly string[];
  /** The derived fields the mark also takes out, computed from one of `fields` (services/review/marked-fields.ts); absent from an older platform's answer: none. */
  readonly derivedFields?: readonly string[];
  readonly reason: string;
  readonly flag: string | null;
  readonly comment: string;
  readonly by: string;
  /** The devices' places as a report names them, one a device, in both languages. */
  readonly places: ReadonlyArray<{ readonly zh: string; readonly en: string }>;
}

export interface ComplianceReport {
  readonly period: Period;
  /** The plan's name in Chinese, and in English (issue 22 item 1: one language a document). */
  readonly plan: string;
  readonly planEn: string;
  readonly district: string;
  readonly districtEn: string;
  /** Who compiles the report (seeds/targets.json `compiledBy`): the signature block's 编制单位. */
  readonly compiledBy?: { readonly zh: string; readonly en: string };
  readonly generatedAt: string;
  readonly targets: readonly TargetCompliance[];
  /** Issue 25 item 4: the families' key figures of the period, which no plan target judges (family-figures.ts). */
  readonly withoutTarget?: readonly FamilyFigure[];
}

function passes(target: Target, value: number | string): boolean {
  const [actual, wanted] = target.unit === 'class' ? [classRank(String(value)), classRank(String(target.value))] : [Number(value), Number(target.value)];
  return target.comparator === '<=' ? actual <= wanted : actual >= wanted;
}

/**
 * The status of a target: insufficient data when the standard's validity rule is not met;
 * for a whole year once over met or breached; for a year still running or a part of a year (a
 * month, quarter or half, even closed) met (so far) or at risk, the value being the projection
 * of the annual value (a year-to-date or a month's mean projects the annual mean): the targets
 * are annual, and a part of a year is not judged by them (judgesAnnualTargets).
 */
function statusOf(target: Target, period: Period, value: number | string | null, sufficient: boolean): ComplianceStatus {
  if (value === null || !sufficient) return 'insufficient data';
  if (target.comparator === 'report') return 'reported';
  if (passes(target, value)) return 'met';
  return judgesAnnualTargets(period) ? 'breached' : 'at risk';
}

/**
 * Status, value and completeness tell one story: no data (completeness 0) has no value, and a
 * shown completeness is rounded down, so 0.9996 never reads as 1 beside "insufficient data"; and
 * data found insufficient are never shown as complete (each rule derives both from one count).
 */
function agreeing(outcome: RuleOutcome): RuleOutcome {
  const shown = Math.floor(Math.min(1, Math.max(0, outcome.completeness)) * 1_000) / 1_000;
  const completeness = shown === 1 && !outcome.sufficient ? 0.999 : shown;
  return completeness === 0 ? { ...outcome, completeness, value: null, sufficient: false } : { ...outcome, completeness };
}

/** Rules that compute an unreviewed figure beside the reviewed one (rule.ts rollupRows, water raw samples). */
const unreviewedRules = new Set(['air.pm25-annual-mean', 'air.good-day-ratio', 'water.section-class', 'water.sections-class-v-share']);

function summaryOf(mark: MarkRecord, registry: DeviceRegistry): ReviewMarkSummary {
  const places = mark.devices.map((id) => {
    const device = registry.device(id);
    return device ? { zh: placeName(device, 'zh'), en: placeName(device, 'en') } : { zh: id, en: id };
  });
  return { id: mark.id, devices: mark.devices, from: new Date(mark.fromMs).toISOString(), to: new Date(mark.toMs).toISOString(), fields: mark.fields, derivedFields: derivedFieldsOf(mark), reason: mark.reason, flag: mark.flag, comment: mark.comment, by: mark.by, places };
}

/** Holds each of the plan's targets against the rollups of a period; with review marks, the unreviewed figure beside. */
export async function evaluateCompliance(deps: { influx: InfluxClient; registry: DeviceRegistry; targets: TargetsFile; now: number; review?: ReviewSource }, periodId: string): Promise<ComplianceReport> {
  const period = parsePeriod(periodId, deps.now);
  const state = deps.review ? await deps.review.state() : null;
  const reviewed = state && state.all.length > 0 ? state : null;
  const shared = createSharedReads();
  const targets = await Promise.all(
    deps.targets.targets.map(async (target): Promise<TargetCompliance> => {
      const base = { id: target.id, indicator: target.indicator, nameZh: target.nameZh, nameEn: target.nameEn, kind: target.kind, comparator: target.comparator, target: target.value, unit: target.unit, planRef: target.planRef, ...(target.baseline2020 ? { baseline2020: target.baseline2020 } : {}) };
      if (target.rule === 'manual') {
        return { ...base, value: null, status: 'manual', projected: false, completeness: null, standards: [], provenance: [], details: { note: 'reported by hand: no sensor family measures it' } };
      }
      const context = { influx: deps.influx, registry: deps.registry, period, target, shared };
      const outcome = agreeing(await rules[target.rule]({ ...context, ...(reviewed ? { review: { state: reviewed, unreviewed: false } } : {}) }));
      const before = reviewed && unreviewedRules.has(target.rule) ? agreeing(await rules[target.rule]({ ...context, review: { state: reviewed, unreviewed: true } })) : null;
      const moved = before !== null && before.value !== outcome.value;
      return {
        ...(before ? { unreviewedValue: before.value } : {}),
        ...(moved ? { reviewMarks: (await marksMovingFigure({ influx: deps.influx, family: target.rule.split('.')[0]!, state: reviewed!, reviewed: outcome, unreviewed: before })).map((mark) => summaryOf(mark, deps.registry)) } : {}),
        ...base,
        value: outcome.value,
        status: statusOf(target, period, outcome.value, outcome.sufficient),
        projected: !judgesAnnualTargets(period),
        completeness: outcome.completeness,
        standards: outcome.standards,
        provenance: outcome.provenance,
        details: outcome.details,
      };
    }),
  );
  const withoutTarget = await familyFigures(deps, period.fromMs, period.toMs);
  return { period, plan: deps.targets.plan, planEn: deps.targets.planEn, district: districtName(deps.registry.file, 'zh'), districtEn: districtName(deps.registry.file, 'en'), ...(deps.targets.compiledBy ? { compiledBy: { zh: deps.targets.compiledBy.zh, en: deps.targets.compiledBy.en } } : {}), generatedAt: new Date(deps.now).toISOString(), targets, withoutTarget };
}
