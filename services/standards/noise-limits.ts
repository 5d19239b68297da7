import type { noiseZoneClasses } from '../families/noise.ts';
import { beijingHour, type Instant } from './beijing-time.ts';
import { finiteNumber, numberInRange } from './checks.ts';

export type NoiseZoneClass = (typeof noiseZoneClasses)[number];
export type NoisePeriod = 'day' | 'night';

// GB 3096-2008 Table 1, Leq dB(A). 4b applies to new railway trunk lines (EIA approved from 2011-01-01);
// existing lines through towns are judged on background noise at 70/55 (§5), which is not a Leq limit here.
const limits: Readonly<Record<NoiseZoneClass, Readonly<Record<NoisePeriod, number>>>> = {
  0: { day: 50, night: 40 },
  1: { day: 55, night: 45 },
  2: { day: 60, night: 50 },
  3: { day: 65, night: 55 },
  '4a': { day: 70, night: 55 },
  '4b': { day: 70, night: 60 },
};

/** GB 3096-2008 §5.4: at night a sudden noise's Lmax may exceed the night limit by at most 15 dB(A). */
export const NIGHT_LMAX_MARGIN_DB = 15;

/** GB 3096-2008 §3 (definitions): day starts at 06:00 and night at 22:00, Beijing time. */
export const NOISE_DAY_START_HOUR = 6;
export const NOISE_NIGHT_START_HOUR = 22;

export interface NoisePeriodOptions {
  /** GB 3096-2008 §3 (definitions): day starts 06:00 and night 22:00; county-level governments may move them. */
  readonly dayStartHour?: number;
  readonly nightStartHour?: number;
}

/** GB 3096-2008 Table 1: the Leq limit of a zone class in a period. */
export function noiseLimit(zone: NoiseZoneClass, period: NoisePeriod): number {
  return limits[zone][period];
}

/** GB 3096-2008 §3 (definitions): day is [06:00, 22:00), night is [22:00, 06:00) Beijing time. */
export function noisePeriodAt(at: Instant, options: NoisePeriodOptions = {}): NoisePeriod {
  const dayStart = numberInRange(options.dayStartHour ?? NOISE_DAY_START_HOUR, 'dayStartHour', 0, 23);
  const nightStart = numberInRange(options.nightStartHour ?? NOISE_NIGHT_START_HOUR, 'nightStartHour', dayStart + 1, 24);
  const hour = beijingHour(at);
  return hour >= dayStart && hour < nightStart ? 'day' : 'night';
}

export interface NoiseInput {
  readonly zone: NoiseZoneClass;
  readonly period: NoisePeriod;
  readonly leq: number;
  readonly lmax?: number | null;
}

export interface NoiseEvaluation {
  readonly limit: number;
  readonly exceeds: boolean;
  /** Night only: limit + 15 dB(A); null by day, when GB 3096 sets no Lmax rule. */
  readonly lmaxLimit: number | null;
  /** Null by day, or at night without an Lmax. */
  readonly lmaxExceeds: boolean | null;
}

/** GB 3096-2008 Table 1 and §5.4: Leq against the zone limit (equal meets), and the night Lmax rule. */
export function evaluateNoise(input: NoiseInput): NoiseEvaluation {
  const limit = noiseLimit(input.zone, input.period);
  const leq = finiteNumber(input.leq, 'leq');
  const lmaxLimit = input.period === 'night' ? limit + NIGHT_LMAX_MARGIN_DB : null;
  const lmax = input.lmax === null || input.lmax === undefined ? null : finiteNumber(input.lmax, 'lmax');
  return {
    limit,
    exceeds: leq > limit,
    lmaxLimit,
    lmaxExceeds: lmaxLimit === null || lmax === null ? null : lmax > lmaxLimit,
  };
}

/**
 * Day and night Leq coverage rule: a period's Leq is judged only when its valid-data rate (有效采集率,
 * HJ 906-2017 §3.1: readings actually collected n over readings the monitor should have collected N)
 * is at least 75 %, i.e. 12 of the day's 16 h or 6 of the night's 8 h. 75 % is the share GB 3095-2026
 * Table 4 asks of an hour of air data (45 of 60 min) and the usual reading of HJ 906-2017 §6 for noise
 * (the exact HJ 906 wording was not retrieved: UNVERIFIED). Why: a Leq of a quarter of a night (24 of
 * 96 points) is the level of that quarter, not of the night, and must not count as an exceedance.
 */
export const MIN_NOISE_COVERAGE = 0.75;

/** The length of a period in hours (day 16 h and night 8 h by default). */
export function noisePeriodHours(period: NoisePeriod, options: NoisePeriodOptions = {}): number {
  const dayStart = numberInRange(options.dayStartHour ?? NOISE_DAY_START_HOUR, 'dayStartHour', 0, 23);
  const nightStart = numberInRange(options.nightStartHour ?? NOISE_NIGHT_START_HOUR, 'nightStartHour', dayStart + 1, 24);
  return period === 'day' ? nightStart - dayStart : 24 - (nightStart - dayStart);
}

export interface NoiseCoverage {
  /** n / N, at most 1. */
  readonly coverage: number;
  /** True when coverage ≥ 75 %: the period's Leq may be held against its limit. */
  readonly complete: boolean;
}

/** The valid-data rate of a period from the readings collected and the monitor's interval in minutes. */
export function noiseCoverage(points: number, intervalMinutes: number, period: NoisePeriod, options: NoisePeriodOptions = {}): NoiseCoverage {
  const interval = numberInRange(intervalMinutes, 'intervalMinutes', 1 / 60, 24 * 60);
  const expected = (noisePeriodHours(period, options) * 60) / interval;
  const coverage = Math.min(1, nonNegativeCount(points) / expected);
  return { coverage, complete: coverage >= MIN_NOISE_COVERAGE };
}

function nonNegativeCount(points: number): number {
  return numberInRange(points, 'points', 0, Number.MAX_SAFE_INTEGER);
}
