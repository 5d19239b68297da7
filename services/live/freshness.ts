import type { FamilyId } from '../families/index.ts';
import { getFamily } from '../families/index.ts';

export type Freshness = 'fresh' | 'late' | 'silent';

// Late after two report intervals without a reading; silent after three, as the alarm rule for a
// silent device counts them (issue 8: "a device silent for 3 of its report intervals").
export const LATE_AFTER_INTERVALS = 2;
export const SILENT_AFTER_INTERVALS = 3;

/** fresh / late / silent from the age of the last reading and the family's report interval. */
export function freshnessOf(family: FamilyId, ageMs: number | null): Freshness {
  if (ageMs === null) return 'silent';
  const interval = getFamily(family).reportIntervalMs;
  if (ageMs > SILENT_AFTER_INTERVALS * interval) return 'silent';
  return ageMs > LATE_AFTER_INTERVALS * interval ? 'late' : 'fresh';
}
