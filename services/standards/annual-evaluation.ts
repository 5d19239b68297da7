import { annualValidity, validValues } from './air-validity.ts';
import { checkAmbientLimit, type AmbientCheck, type AmbientGrade, type AmbientLimitKey } from './ambient-limits.ts';
import { rejectUnknownKeys } from './checks.ts';
import { hj663Percentile } from './percentile.ts';
import { chooseGb3095Phase, type Gb3095Phase } from './versions.ts';

/** The six pollutants of an annual evaluation; o3_8h holds each day's MDA8. */
export type AnnualPollutant = 'so2' | 'no2' | 'pm10' | 'pm25' | 'co' | 'o3_8h';

/** One day's valid value (null when the day has none), by Beijing day 'YYYY-MM-DD'. */
export interface DailyValue {
  readonly day: string;
  readonly value: number | null;
}

export type AnnualInput = Partial<Record<AnnualPollutant, readonly DailyValue[]>>;

interface AnnualItems {
  readonly annual?: AmbientLimitKey;
  readonly percentile: { readonly p: number; readonly limit: AmbientLimitKey };
}

// HJ 663-2013 annual items (standards.md §2.4): annual means against annual limits, percentiles of
// daily values against the 24-h (or MDA8) limits.
const annualItems: Readonly<Record<AnnualPollutant, AnnualItems>> = {
  so2: { annual: 'so2_annual', percentile: { p: 98, limit: 'so2_24h' } },
  no2: { annual: 'no2_annual', percentile: { p: 98, limit: 'no2_24h' } },
  pm10: { annual: 'pm10_annual', percentile: { p: 95, limit: 'pm10_24h' } },
  pm25: { annual: 'pm25_annual', percentile: { p: 95, limit: 'pm25_24h' } },
  co: { percentile: { p: 95, limit: 'co_24h' } },
  o3_8h: { percentile: { p: 90, limit: 'o3_8h' } },
};

const pollutants = Object.keys(annualItems) as AnnualPollutant[];

export interface PollutantYear {
  /** GB 3095-2026 Table 4 for pollutants with an annual mean; CO and O3 need only one valid day. */
  readonly valid: boolean;
  readonly annualMean: AmbientCheck | null;
  readonly percentile: (AmbientCheck & { readonly p: number }) | null;
  /** Null when the year is not valid for the pollutant. */
  readonly compliant: boolean | null;
}

export interface AnnualEvaluation {
  readonly phase: Gb3095Phase;
  readonly pollutants: Partial<Record<AnnualPollutant, PollutantYear>>;
  /** True only when all six pollutants are valid and compliant; false when any is not compliant. */
  readonly compliant: boolean | null;
}

function evaluatePollutant(key: AnnualPollutant, days: readonly DailyValue[], year: number, phase: Gb3095Phase, grade: AmbientGrade): PollutantYear {
  const items = annualItems[key];
  const values = validValues(days.map((day) => day.value), key);
  const validDays = days.filter((day) => day.value !== null && day.value !== undefined).map((day) => day.day);
  const valid = items.annual === undefined ? values.length > 0 : annualValidity(validDays, year).valid;
  const mean = values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
  const annualMean = items.annual === undefined || mean === null ? null : checkAmbientLimit(items.annual, mean, { phase, grade });
  const p = hj663Percentile(values, items.percentile.p);
  const percentile = p === null ? null : { ...checkAmbientLimit(items.percentile.limit, p, { phase, grade }), p: items.percentile.p };
  const exceeds = Boolean(annualMean?.exceeds) || Boolean(percentile?.exceeds);
  return { valid, annualMean, percentile, compliant: valid ? !exceeds : null };
}

/**
 * HJ 663 annual evaluation of one site or city. The limits are those in force on 31 December of the
 * year unless a phase is given (HJ 663-2026's own rule for 2026, a year split by the switch, is unknown).
 */
export function evaluateYear(input: AnnualInput, year: number, options: { readonly phase?: Gb3095Phase; readonly grade?: AmbientGrade } = {}): AnnualEvaluation {
  rejectUnknownKeys(input, pollutants, 'an annual evaluation input');
  const phase = options.phase ?? chooseGb3095Phase(`${year}-12-31`);
  const result: Partial<Record<AnnualPollutant, PollutantYear>> = {};
  for (const key of pollutants) {
    const days = input[key];
    if (days !== undefined) result[key] = evaluatePollutant(key, days, year, phase, options.grade ?? 2);
  }
  const verdicts = pollutants.map((key) => result[key]?.compliant ?? null);
  const compliant = verdicts.includes(false) ? false : verdicts.every((verdict) => verdict === true) ? true : null;
  return { phase, pollutants: result, compliant };
}
