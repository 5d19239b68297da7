import { beijingDay, type DayOrInstant } from './beijing-time.ts';

export type AqiStandard = 'HJ 633-2012' | 'HJ 633-2026';
export type Gb3095Phase = 'GB 3095-2012' | 'GB 3095-2026 transition' | 'GB 3095-2026 final';

// HJ 633-2026 and GB 3095-2026 are in force from 2026-03-01 and repeal the 2012 texts (standards.md §0).
export const STANDARDS_2026_IN_FORCE = '2026-03-01';
// GB 3095-2026 Table 1: the transition limits run to 2030-12-31; the final limits apply from 2031-01-01.
export const GB3095_FINAL_IN_FORCE = '2031-01-01';

/**
 * The HJ 633 version for an observation, by its Beijing calendar day. Data observed
 * before 2026-03-01 keeps the 2012 rules even when it is computed later.
 */
export function chooseAqiStandard(observed: DayOrInstant): AqiStandard {
  return beijingDay(observed) < STANDARDS_2026_IN_FORCE ? 'HJ 633-2012' : 'HJ 633-2026';
}

/** The GB 3095 limits in force on the observation's Beijing calendar day. */
export function chooseGb3095Phase(observed: DayOrInstant): Gb3095Phase {
  const day = beijingDay(observed);
  if (day < STANDARDS_2026_IN_FORCE) return 'GB 3095-2012';
  return day < GB3095_FINAL_IN_FORCE ? 'GB 3095-2026 transition' : 'GB 3095-2026 final';
}
