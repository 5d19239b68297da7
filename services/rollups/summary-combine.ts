import { getFamily, type FamilyId } from '../families/index.ts';
import type { Combine, RollupSummary } from '../families/define-family.ts';

/** A point's fields as the summary reads them (a field a point lacks is left out, never taken as 0). */
export type SummaryFields = Readonly<Record<string, number | null | undefined>>;

/** The measurements a family's summary reads and writes (issue 25, item 4), named from its measurement. */
export interface SummaryMeasurements {
  readonly daily: string;
  readonly monthly: string;
  /** The group's tag and its day and month measurements, when the module groups devices. */
  readonly group: { readonly tag: string; readonly daily: string; readonly monthly: string } | null;
}

export function summaryOf(family: FamilyId): RollupSummary | null {
  return getFamily(family).rollupSummary ?? null;
}

/** The fields a summary reads from a daily point: its own and its validity flag. */
export function summaryReads(summary: RollupSummary): string[] {
  return [...Object.keys(summary.fields), ...(summary.validFlag === undefined || summary.validFlag in summary.fields ? [] : [summary.validFlag])];
}

export function summaryMeasurements(family: FamilyId): SummaryMeasurements {
  const { measurement } = getFamily(family);
  const tag = summaryOf(family)?.groupBy?.tag;
  return {
    daily: `${measurement}_daily`,
    monthly: `${measurement}_monthly`,
    group: tag ? { tag, daily: `${measurement}_${tag}_daily`, monthly: `${measurement}_${tag}_monthly` } : null,
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function combineField(points: readonly SummaryFields[], field: string, how: Combine): number | null {
  const present = points.filter((point) => typeof point[field] === 'number');
  if (present.length === 0) return null;
  const values = present.map((point) => point[field] as number);
  if (how === 'sum') return round2(values.reduce((a, b) => a + b, 0));
  if (how === 'max') return Math.max(...values);
  if (how === 'mean') return round2(values.reduce((a, b) => a + b, 0) / values.length);
  // A share of readings over many days (or chargers) is the share of all their readings: weighted by them.
  const weights = present.map((point) => (typeof point[how.weightedBy] === 'number' ? (point[how.weightedBy] as number) : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  return total > 0 ? round2(values.reduce((sum, value, i) => sum + value * weights[i]!, 0) / total) : null;
}

/** Whether a point counts: its module's validity flag (when it declares one) is not 0. */
export function counts(summary: RollupSummary, point: SummaryFields): boolean {
  return summary.validFlag === undefined || point[summary.validFlag] !== 0;
}

/**
 * Adds up points of a family's daily rollup by its module's summary: over the days of a month
 * (`combine`) or over the devices of a group or the district (`across`). Fields no point carries
 * are left out, and so is every point its `validFlag` marks invalid: a figure left in such a point
 * from when it was valid (InfluxDB merges fields into the stored point) is never counted.
 */
export function combineSummary(summary: RollupSummary, points: readonly SummaryFields[], over: 'days' | 'devices'): Record<string, number> {
  const out: Record<string, number> = {};
  const counted = points.filter((point) => counts(summary, point));
  for (const [field, spec] of Object.entries(summary.fields)) {
    const value = combineField(counted, field, over === 'days' ? spec.combine : (spec.across ?? spec.combine));
    if (value !== null) out[field] = value;
  }
  return out;
}

/**
 * The fields of a point the rollup engine writes from others (a month from its days, a group's day
 * from its devices'): the combined figures and, when the module declares a validity flag, that flag,
 * 1 when a point counted and 0 when none did. The 0 is written (not a point left out) so that the
 * point stored before, when its days were valid, is read as invalid and not by its old figures.
 */
export function summaryPointFields(summary: RollupSummary, points: readonly SummaryFields[], over: 'days' | 'devices'): Record<string, number> {
  const combined = combineSummary(summary, points, over);
  if (summary.validFlag === undefined || points.length === 0) return combined;
  return { ...combined, [summary.validFlag]: points.some((point) => counts(summary, point)) ? 1 : 0 };
}
