import { WanxiangError } from '../errors.ts';
import { validValues, type Gappy } from './air-validity.ts';
import { numberInRange } from './checks.ts';
import { roundHalfEven } from './rounding.ts';

/** GB 3095-2026 Table 4: an 8-h O3 mean needs ≥ 6 valid hourly means in its window. */
export const MIN_HOURS_PER_8H = 6;
/** HJ 663-2013 (UNVERIFIED, standards.md §2.3): an MDA8 needs ≥ 14 valid 8-h means among its 17. */
export const MIN_WINDOWS_PER_MDA8 = 14;

/**
 * 8-h moving means of a continuous hourly O3 series: element i is the mean of hours i-7 … i
 * (HJ 663 Table A.1 labelling: the mean at X covers hours X-7 … X), or null with fewer than 6 valid
 * hours. Hours before the series starts count as missing.
 */
export function o3MovingMeans(hourly: Gappy, minHours = MIN_HOURS_PER_8H): (number | null)[] {
  numberInRange(minHours, 'minHours', 1, 8);
  return hourly.map((_, index) => {
    const window = validValues(hourly.slice(Math.max(0, index - 7), index + 1), 'hourly');
    if (window.length < minHours) return null;
    return window.reduce((sum, value) => sum + value, 0) / window.length;
  });
}

export interface DailyMaxO3 {
  /** The MDA8, or null when it is not valid. Not rounded. */
  readonly value: number | null;
  readonly valid: boolean;
  readonly validWindows: number;
  /** The largest valid 8-h mean even when the day is not valid (for diagnostics). */
  readonly maxOfValidWindows: number | null;
}

export interface DailyMaxO3Options {
  readonly minHours?: number;
  readonly minWindows?: number;
  /** The MDA8 limit for the "exceeds anyway" rule; GB 3095 Grade II, 160 µg/m³. */
  readonly limit?: number;
}

/**
 * The day's maximum 8-h O3 mean (MDA8) from its 24 hourly means (index 0 = hour ending 01:00).
 * HJ 663-2013 (UNVERIFIED): the max of the 17 means ending 08:00 … 24:00, i.e. windows wholly inside the
 * natural day, which also matches GB 3095-2026 §3.9 ("一个自然日内8小时滑动平均的最大值"). Valid with
 * ≥ 14 valid 8-h means, or with fewer when the MDA8 still exceeds the limit.
 */
export function dailyMaxO3EightHour(dayHourly: Gappy, options: DailyMaxO3Options = {}): DailyMaxO3 {
  if (dayHourly.length !== 24) {
    throw new WanxiangError('WX_ERR_OUT_OF_RANGE', 'an MDA8 needs the day’s 24 hourly slots (null for missing)', { value: dayHourly.length });
  }
  const windows = o3MovingMeans(dayHourly, options.minHours).slice(7);
  const valid = windows.filter((mean): mean is number => mean !== null);
  const max = valid.length === 0 ? null : Math.max(...valid);
  const limit = options.limit ?? 160;
  const exceedsAnyway = max !== null && roundHalfEven(max) > limit;
  const isValid = max !== null && (valid.length >= (options.minWindows ?? MIN_WINDOWS_PER_MDA8) || exceedsAnyway);
  return { value: isValid ? max : null, valid: isValid, validWindows: valid.length, maxOfValidWindows: max };
}
