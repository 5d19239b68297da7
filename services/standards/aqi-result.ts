import type { BreakpointScale } from './aqi-breakpoints.ts';
import { aqiCategory, type AqiLevel } from './aqi-category.ts';
import { optionalNonNegative } from './checks.ts';
import { iaqi, roundConcentration } from './iaqi.ts';
import type { AqiStandard } from './versions.ts';

/** An AQI report (daily or real-time) for one site or city. */
export interface AqiResult<K extends string> {
  /** Null when nothing could be computed, or when HJ 633-2026 §5.3.1 forbids publishing it. */
  readonly aqi: number | null;
  readonly iaqi: Partial<Record<K, number>>;
  /** The concentrations the IAQIs were computed from (rounded under HJ 633-2026). */
  readonly concentrations: Partial<Record<K, number>>;
  /** Indicators with the largest IAQI when AQI > 50 (ties all listed); empty otherwise. */
  readonly primary: K[];
  readonly level: AqiLevel | null;
  readonly category: string | null;
  readonly categoryEn: string | null;
  readonly colour: string | null;
  readonly standard: AqiStandard;
  /** Indicators with no valid value ("NA"). */
  readonly missing: K[];
  /** Indicators the site does not monitor by design ("/", HJ 633-2026 §5.3.2). */
  readonly notMonitored: K[];
  /** HJ 633-2012 §3.4 超标污染物 (IAQI > 100); null under HJ 633-2026, which removed the notion. */
  readonly exceeding: K[] | null;
}

/** One indicator to evaluate: its breakpoint column and value, and the HJ 633-2012 note 2 fallback. */
export interface IndicatorPlan<K extends string> {
  readonly key: K;
  readonly scale: BreakpointScale;
  readonly value: unknown;
  readonly fallback?: { readonly scale: BreakpointScale; readonly value: unknown; readonly name: string };
}

interface Evaluated<K extends string> {
  iaqi: Partial<Record<K, number>>;
  concentrations: Partial<Record<K, number>>;
  missing: K[];
}

function evaluateOne<K extends string>(plan: IndicatorPlan<K>, standard: AqiStandard, out: Evaluated<K>): void {
  const value = optionalNonNegative(plan.value, plan.key);
  if (value === null) {
    out.missing.push(plan.key);
    return;
  }
  const index = iaqi(plan.scale, value, standard);
  if (index !== null) {
    out.iaqi[plan.key] = index;
    out.concentrations[plan.key] = roundConcentration(plan.scale, value, standard);
    return;
  }
  // HJ 633-2012 note 3 (O3 8-h > 800): no IAQI; the O3 1-h indicator, already in the set, stands for O3.
  if (plan.fallback === undefined) return;
  // HJ 633-2012 note 2 (SO2 1-h > 800): the SO2 IAQI is taken from the 24-h average.
  const fallback = optionalNonNegative(plan.fallback.value, plan.fallback.name);
  if (fallback === null) {
    out.missing.push(plan.key);
    return;
  }
  // The 24-h column has no >800 rule, so iaqi() always returns a number here.
  out.iaqi[plan.key] = iaqi(plan.fallback.scale, fallback, standard) ?? 500;
  out.concentrations[plan.key] = roundConcentration(plan.fallback.scale, fallback, standard);
}

function publishedAqi(max: number | null, standard: AqiStandard, incomplete: boolean): number | null {
  if (max === null) return null;
  if (standard === 'HJ 633-2012') return max;
  // HJ 633-2026 §5.3.1: with a pollutant missing, the AQI is published only when it exceeds 100.
  if (incomplete && max <= 100) return null;
  // HJ 633-2026 §4.1.1: the AQI ranges over 1–500.
  return Math.max(1, max);
}

/** Evaluates the indicators of one report and applies the AQI, primary-pollutant and missing-data rules. */
export function buildAqiResult<K extends string>(
  plans: readonly IndicatorPlan<K>[],
  standard: AqiStandard,
  notMonitored: readonly K[],
): AqiResult<K> {
  const out: Evaluated<K> = { iaqi: {}, concentrations: {}, missing: [] };
  const monitored = plans.filter((plan) => !notMonitored.includes(plan.key));
  for (const plan of monitored) evaluateOne(plan, standard, out);
  const entries = Object.entries(out.iaqi) as [K, number][];
  const max = entries.length === 0 ? null : Math.max(...entries.map(([, value]) => value));
  const aqi = publishedAqi(max, standard, out.missing.length > 0);
  // HJ 633-2012 §4.4.2 / HJ 633-2026 §4.3.1: a primary pollutant only when AQI > 50.
  const primary = aqi !== null && aqi > 50 ? entries.filter(([, value]) => value === max).map(([key]) => key) : [];
  const category = aqi === null ? null : aqiCategory(aqi);
  return {
    aqi,
    iaqi: out.iaqi,
    concentrations: out.concentrations,
    primary,
    level: category?.level ?? null,
    category: category?.category ?? null,
    categoryEn: category?.categoryEn ?? null,
    colour: category?.colour ?? null,
    standard,
    missing: out.missing,
    notMonitored: plans.filter((plan) => notMonitored.includes(plan.key)).map((plan) => plan.key),
    exceeding: standard === 'HJ 633-2012' ? entries.filter(([, value]) => value > 100).map(([key]) => key) : null,
  };
}
