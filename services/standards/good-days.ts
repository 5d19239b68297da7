import { optionalNonNegative } from './checks.ts';
import { roundHalfEven } from './rounding.ts';

export interface GoodDayRatio {
  /** Days with a daily AQI ≤ 100 (优 + 良). */
  readonly goodDays: number;
  /** Days with a valid daily AQI: the denominator, not calendar days. */
  readonly validDays: number;
  /** goodDays / validDays, or null without a valid day. */
  readonly ratio: number | null;
  /** The ratio in per cent as bulletins print it: one decimal, GB/T 8170 rounding. */
  readonly percent: number | null;
}

/**
 * 优良天数比例 (standards.md §2.5): days with AQI ≤ 100 over days with a valid daily AQI. A null AQI
 * (no valid daily means, or NA under HJ 633-2026 §5.3.1) leaves the day out of both counts; how
 * HJ 663-2026 counts the §5.3.1 days is UNVERIFIED, and leaving them out is what "valid days" says.
 */
export function goodDayRatio(dailyAqis: readonly (number | null | undefined)[]): GoodDayRatio {
  let goodDays = 0;
  let validDays = 0;
  dailyAqis.forEach((aqi, index) => {
    const checked = optionalNonNegative(aqi, `dailyAqis[${index}]`);
    if (checked === null) return;
    validDays += 1;
    if (checked <= 100) goodDays += 1;
  });
  const ratio = validDays === 0 ? null : goodDays / validDays;
  return { goodDays, validDays, ratio, percent: ratio === null ? null : roundHalfEven(ratio * 100, 1) };
}
