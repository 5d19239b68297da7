import { describe, expect, it } from 'vitest';
import {
  MIN_NOISE_COVERAGE, dayNightLeq, energyAverage, energyAverageWeighted, evaluateNoise, noiseCoverage, noiseLimit, noisePeriodAt, noisePeriodHours, type NoiseZoneClass,
} from '../../../services/standards/index.ts';

describe('GB 3096-2008 limits', () => {
  it('example 10: 4a night Leq 56 exceeds 55; zone 2 day Leq 60.0 meets; zone 1 night Lmax 61 exceeds 45 + 15', () => {
    expect(evaluateNoise({ zone: '4a', period: 'night', leq: 56 })).toEqual({ limit: 55, exceeds: true, lmaxLimit: 70, lmaxExceeds: null });
    expect(evaluateNoise({ zone: '2', period: 'day', leq: 60.0 })).toEqual({ limit: 60, exceeds: false, lmaxLimit: null, lmaxExceeds: null });
    expect(evaluateNoise({ zone: '1', period: 'night', leq: 44, lmax: 61 })).toEqual({ limit: 45, exceeds: false, lmaxLimit: 60, lmaxExceeds: true });
    expect(evaluateNoise({ zone: '1', period: 'night', leq: 44, lmax: 60 }).lmaxExceeds).toBe(false);
    expect(evaluateNoise({ zone: '3', period: 'night', leq: 56, lmax: 70 })).toEqual({ limit: 55, exceeds: true, lmaxLimit: 70, lmaxExceeds: false });
  });

  it('holds Table 1 for every zone class', () => {
    const table: readonly (readonly [NoiseZoneClass, number, number])[] = [
      ['0', 50, 40], ['1', 55, 45], ['2', 60, 50], ['3', 65, 55], ['4a', 70, 55], ['4b', 70, 60],
    ];
    for (const [zone, day, night] of table) {
      expect(noiseLimit(zone, 'day')).toBe(day);
      expect(noiseLimit(zone, 'night')).toBe(night);
    }
  });

  it('splits day 06:00–22:00 and night 22:00–06:00 in Beijing time, configurable', () => {
    expect(noisePeriodAt('2026-05-01T05:59:59+08:00')).toBe('night');
    expect(noisePeriodAt('2026-05-01T06:00:00+08:00')).toBe('day');
    expect(noisePeriodAt('2026-05-01T21:59:59+08:00')).toBe('day');
    expect(noisePeriodAt('2026-05-01T14:00:00Z')).toBe('night');
    expect(noisePeriodAt('2026-05-01T06:30:00+08:00', { dayStartHour: 7 })).toBe('night');
  });
});

describe('energy average', () => {
  it('averages energy, not decibels: 60 and 70 dB give 67.4, not 65', () => {
    const levels = [60, 70];
    const arithmetic = levels.reduce((a, b) => a + b) / levels.length;
    expect(arithmetic).toBe(65);
    expect(energyAverage(levels)).toBeCloseTo(67.4036, 4);
    expect(energyAverage([50, 50, 50])).toBeCloseTo(50, 10);
    expect(energyAverage([])).toBeNull();
  });

  it('weights by duration and is dominated by loud spells', () => {
    const hour = 3_600_000;
    expect(energyAverageWeighted([{ leq: 80, durationMs: hour }, { leq: 50, durationMs: 15 * hour }])).toBeCloseTo(68.0, 1);
    expect(energyAverageWeighted([{ leq: 60, durationMs: hour }, { leq: 70, durationMs: hour }])).toBeCloseTo(energyAverage([60, 70])!, 10);
  });

  it('computes Ld and Ln from stamped samples', () => {
    const hour = 3_600_000;
    const at = (hh: string) => `2026-05-01T${hh}:00:00+08:00`;
    const samples = [
      { at: at('10'), leq: 62, durationMs: hour }, { at: at('11'), leq: 66, durationMs: hour },
      { at: at('23'), leq: 48, durationMs: hour }, { at: at('05'), leq: 48, durationMs: hour },
    ];
    const result = dayNightLeq(samples);
    expect(result.day).toBeCloseTo(10 * Math.log10((10 ** 6.2 + 10 ** 6.6) / 2), 10);
    expect(result.night).toBeCloseTo(48, 10);
    expect(dayNightLeq([]).day).toBeNull();
  });
});

describe('day and night coverage (valid-data rate, HJ 906-2017 §3.1)', () => {
  it('judges a period only with ≥ 75 % of the readings its monitor should have sent', () => {
    expect(noisePeriodHours('day')).toBe(16);
    expect(noisePeriodHours('night')).toBe(8);
    expect(noiseCoverage(24, 5, 'night')).toEqual({ coverage: 0.25, complete: false }); // the night of 2025-12-31
    expect(noiseCoverage(72, 5, 'night')).toEqual({ coverage: 0.75, complete: true });
    expect(noiseCoverage(71, 5, 'night').complete).toBe(false);
    expect(noiseCoverage(12, 60, 'day')).toEqual({ coverage: 0.75, complete: true });
    expect(noiseCoverage(200, 5, 'day').coverage).toBe(1);
    expect(noiseCoverage(6, 60, 'night', { nightStartHour: 23, dayStartHour: 7 }).complete).toBe(true);
    expect(MIN_NOISE_COVERAGE).toBe(0.75);
    expect(() => noiseCoverage(-1, 5, 'day')).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
  });
});
