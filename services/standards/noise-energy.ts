import { WanxiangError } from '../errors.ts';
import type { Instant } from './beijing-time.ts';
import { finiteNumber, nonNegative } from './checks.ts';
import { noisePeriodAt, type NoisePeriodOptions } from './noise-limits.ts';

/**
 * The energy average of sound levels, 10·log10(mean(10^(L/10))) (GB 3096-2008 §3, definition of Leq):
 * decibels are logarithmic and are never averaged arithmetically. Null for no levels.
 */
export function energyAverage(levels: readonly number[]): number | null {
  if (levels.length === 0) return null;
  const energy = levels.reduce((sum, level, index) => sum + 10 ** (finiteNumber(level, `levels[${index}]`) / 10), 0);
  return 10 * Math.log10(energy / levels.length);
}

export interface TimedLevel {
  readonly leq: number;
  readonly durationMs: number;
}

/** The Leq over an interval made of sub-intervals of different lengths: energy weighted by duration. */
export function energyAverageWeighted(samples: readonly TimedLevel[]): number | null {
  let energy = 0;
  let total = 0;
  samples.forEach((sample, index) => {
    const duration = nonNegative(sample.durationMs, `samples[${index}].durationMs`);
    energy += duration * 10 ** (finiteNumber(sample.leq, `samples[${index}].leq`) / 10);
    total += duration;
  });
  if (samples.length > 0 && total === 0) {
    throw new WanxiangError('WX_ERR_OUT_OF_RANGE', 'samples must cover some time', { value: total });
  }
  return total === 0 ? null : 10 * Math.log10(energy / total);
}

export interface StampedLevel extends TimedLevel {
  /** Start of the sample's interval. */
  readonly at: Instant;
}

/**
 * Ld and Ln (GB 3096-2008 §3, day and night equivalent levels): the energy average of the samples starting in the day and in the
 * night periods. The caller passes one day's and one night's samples (a night runs past midnight).
 */
export function dayNightLeq(samples: readonly StampedLevel[], options: NoisePeriodOptions = {}): { day: number | null; night: number | null } {
  const day = samples.filter((sample) => noisePeriodAt(sample.at, options) === 'day');
  const night = samples.filter((sample) => noisePeriodAt(sample.at, options) === 'night');
  return { day: energyAverageWeighted(day), night: energyAverageWeighted(night) };
}
