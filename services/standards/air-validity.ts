import { WanxiangError } from '../errors.ts';
import { beijingDay } from './beijing-time.ts';
import { nonNegative, optionalNonNegative } from './checks.ts';

/** A series of values where null/undefined marks a missing or invalid one. */
export type Gappy = readonly (number | null | undefined)[];

/** GB 3095-2026 Table 4: a 1-h mean needs ≥ 45 minutes of sampling in the hour. */
export const MIN_MINUTES_PER_HOUR = 45;
/** GB 3095-2026 Table 4: a 24-h mean needs ≥ 20 valid hourly means. */
export const MIN_HOURS_PER_DAY = 20;
/** GB 3095-2026 Table 4: an annual mean needs ≥ 324 daily means, ≥ 27 in each month (February ≥ 25). */
export const MIN_DAYS_PER_YEAR = 324;
export const MIN_DAYS_PER_MONTH = 27;
export const MIN_DAYS_IN_FEBRUARY = 25;

/** GB 3095-2026 Table 4: is an hour with this many sampled minutes a valid 1-h mean? */
export function isValidHour(sampledMinutes: number, minMinutes = MIN_MINUTES_PER_HOUR): boolean {
  return nonNegative(sampledMinutes, 'sampledMinutes') >= minMinutes;
}

/** The valid values of a gappy series, each checked (finite and ≥ 0). */
export function validValues(values: Gappy, name = 'value'): number[] {
  const out: number[] = [];
  values.forEach((value, index) => {
    const checked = optionalNonNegative(value, `${name}[${index}]`);
    if (checked !== null) out.push(checked);
  });
  return out;
}

/**
 * The 24-h mean of a day's hourly means (index 0 = the hour ending 01:00 … 23 = the hour ending 24:00),
 * or null when fewer than 20 hours are valid (GB 3095-2026 Table 4). Not rounded.
 */
export function dailyMean(hourly: Gappy, minHours = MIN_HOURS_PER_DAY): number | null {
  if (hourly.length > 24) throw new WanxiangError('WX_ERR_OUT_OF_RANGE', 'a day has at most 24 hourly means', { value: hourly.length });
  const valid = validValues(hourly, 'hourly');
  if (valid.length < minHours || valid.length === 0) return null;
  return valid.reduce((sum, value) => sum + value, 0) / valid.length;
}

export interface AnnualValidity {
  readonly valid: boolean;
  readonly days: number;
  /** Valid days per month, January first. */
  readonly perMonth: readonly number[];
  /** Months (1–12) below their minimum. */
  readonly shortMonths: readonly number[];
}

/**
 * GB 3095-2026 Table 4 for annual means (SO2, NO2, PM10, PM2.5, NOx): ≥ 324 valid days in the year and
 * ≥ 27 in every month, February ≥ 25 (in leap years too). `validDays` are Beijing days with a valid daily mean.
 */
export function annualValidity(validDays: readonly string[], year: number): AnnualValidity {
  const perMonth = Array.from({ length: 12 }, () => 0);
  for (const day of new Set(validDays.map((entry) => beijingDay(entry)))) {
    if (Number(day.slice(0, 4)) !== year) {
      throw new WanxiangError('WX_ERR_OUT_OF_RANGE', `${day} lies outside ${year}`, { value: day });
    }
    const month = Number(day.slice(5, 7)) - 1;
    perMonth[month] = (perMonth[month] ?? 0) + 1;
  }
  const shortMonths = perMonth.flatMap((count, month) =>
    count < (month === 1 ? MIN_DAYS_IN_FEBRUARY : MIN_DAYS_PER_MONTH) ? [month + 1] : []);
  const days = perMonth.reduce((sum, count) => sum + count, 0);
  return { valid: days >= MIN_DAYS_PER_YEAR && shortMonths.length === 0, days, perMonth, shortMonths };
}
