import { describe, expect, it } from 'vitest';
import {
  annualValidity, classifyParameter, dailyAqi, dailyMaxO3EightHour, energyAverage, evaluateNoise, goodDayRatio, hourlyAqi, iaqi,
  noiseLimit, noisePeriodAt, roundForAssessment,
} from '../../../services/standards/index.ts';

/**
 * Cases computed by hand from the standards' text (shared/reference/standards.md), at the edges the
 * worked examples do not reach: each expected figure is written out with its arithmetic.
 */
describe('HJ 633 edges, by hand', () => {
  it('rounds the concentration half to even before the lookup, then the IAQI up (HJ 633-2026 §4.2.2, §4.2.6)', () => {
    // CO 1-h 10.05 → 10.0 (half to even) → IAQI 100; 10.15 → 10.2 → 100 + (150-100)/(35-10)·0.2 = 100.4 → 101.
    expect(iaqi('co_1h', 10.05, 'HJ 633-2026')).toBe(100);
    expect(iaqi('co_1h', 10.15, 'HJ 633-2026')).toBe(101);
    // O3 8-h 161: 100 + 50/55 = 100.91 → 101; exactly 160 → 100.
    expect(iaqi('o3_8h', 161, 'HJ 633-2012')).toBe(101);
    expect(iaqi('o3_8h', 160, 'HJ 633-2012')).toBe(100);
  });

  it('caps PM above its top breakpoint at 500, and applies the >800 rules to the rounded value', () => {
    expect(iaqi('pm10_24h', 750, 'HJ 633-2026')).toBe(500);
    expect(iaqi('pm25_24h', 500.4, 'HJ 633-2012')).toBe(500);
    // SO2 1-h 800.4 → 800: on the table (IAQI 200); 800.6 → 801: 2012 computes none, 2026 gives 200.
    expect(iaqi('so2_1h', 800.4, 'HJ 633-2012')).toBe(200);
    expect(iaqi('so2_1h', 800.6, 'HJ 633-2012')).toBeNull();
    expect(iaqi('so2_1h', 800.6, 'HJ 633-2026')).toBe(200);
    // 2012 note 2: the SO2 IAQI from the 24-h mean 65 → 50 + 50/100·15 = 57.5 → 58.
    expect(hourlyAqi({ so2: 900, so2_24h: 65 }, { standard: 'HJ 633-2012' }).iaqi.so2).toBe(58);
  });

  it('names a primary pollutant only above 50 (HJ 633-2012 §4.4.2)', () => {
    // PM2.5 35 → IAQI 50: no primary; 36 → 50 + 50/40 = 51.25 → 52 (2012) with PM2.5 primary.
    expect(dailyAqi({ pm25: 35, pm10: 20 }, { day: '2025-06-01' })).toMatchObject({ aqi: 50, primary: [] });
    expect(dailyAqi({ pm25: 36, pm10: 20 }, { day: '2025-06-01' })).toMatchObject({ aqi: 52, primary: ['pm25'] });
  });

  it('keeps the day of the switch whole: 2026-02-28 on the 2012 table, 2026-03-01 on the 2026 one (Beijing days)', () => {
    // PM2.5 70: 2012 → 50 + 50/40·35 = 93.75 → 94; 2026 → 100 + 50/55·10 = 109.09 → 110.
    expect(dailyAqi({ pm25: 70 }, { day: '2026-02-28' }).aqi).toBe(94);
    expect(dailyAqi({ pm25: 70 }, { day: '2026-03-01' }).aqi).toBe(110);
    // 2026-02-28T23:30+08:00 is still the 28th in Beijing though the 1st has begun in UTC+9.
    expect(dailyAqi({ pm25: 70 }, { day: '2026-03-01T00:30:00+09:00' }).standard).toBe('HJ 633-2012');
  });
});

describe('GB 3095 validity, by hand', () => {
  it('keeps an MDA8 from 13 valid windows only when it exceeds 160 anyway', () => {
    // Hours 1-7 and 21-24 missing: windows ending 08:00 … 20:00 each hold ≥ 6 hours → 13 windows.
    const day = (level: number) => Array.from({ length: 24 }, (_, h) => (h < 7 || h >= 20 ? null : level));
    const low = dailyMaxO3EightHour(day(150));
    expect(low).toMatchObject({ valid: false, value: null });
    expect(low.validWindows).toBeLessThan(14);
    expect(dailyMaxO3EightHour(day(170))).toMatchObject({ valid: true, value: 170 });
  });

  it('asks 25 days of February in a leap year too', () => {
    const days: string[] = [];
    for (let m = 1; m <= 12; m += 1) for (let d = 1; d <= (m === 2 ? 25 : 28); d += 1) days.push(`2028-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    // 25 + 11 × 28 = 333 ≥ 324.
    expect(annualValidity(days, 2028)).toMatchObject({ valid: true, days: 333 });
  });

  it('counts good days over valid days only: 100 is good, 101 is not, a day without an AQI is neither', () => {
    expect(goodDayRatio([100, 101, null, undefined])).toMatchObject({ goodDays: 1, validDays: 2, percent: 50 });
  });
});

describe('GB 3838 and GB 3096 edges, by hand', () => {
  it('DO is a minimum, inclusive; values are rounded half to even first', () => {
    expect(classifyParameter('do', 3)).toBe('IV');
    // 2.95 → 3.0 (29.5 rounds to the even 30) → IV; 2.94 → 2.9 → V.
    expect(classifyParameter('do', roundForAssessment('do', 2.95))).toBe('IV');
    expect(classifyParameter('do', roundForAssessment('do', 2.94))).toBe('V');
    // NH3-N 1.005 → 1.00 (100.5 rounds to the even 100) → III; 1.015 → 1.02 → IV.
    expect(classifyParameter('nh3n', roundForAssessment('nh3n', 1.005))).toBe('III');
    expect(classifyParameter('nh3n', roundForAssessment('nh3n', 1.015))).toBe('IV');
  });

  it('averages decibels by energy, splits day and night at 06:00 and 22:00 Beijing, and holds 4a and 4b apart at night', () => {
    // 10·log10((10^6 + 10^7)/2) = 10·log10(5.5·10^6) = 67.40, not the arithmetic 65.
    expect(energyAverage([60, 70])!).toBeCloseTo(67.40, 2);
    expect(noisePeriodAt('2026-06-01T05:59:59+08:00')).toBe('night');
    expect(noisePeriodAt('2026-06-01T06:00:00+08:00')).toBe('day');
    expect(noisePeriodAt('2026-06-01T21:59:59+08:00')).toBe('day');
    expect(noisePeriodAt('2026-06-01T14:00:00Z')).toBe('night');
    expect([noiseLimit('4a', 'night'), noiseLimit('4b', 'night'), noiseLimit('0', 'night')]).toEqual([55, 60, 40]);
    expect(evaluateNoise({ zone: '4a', period: 'night', leq: 55, lmax: 70 })).toMatchObject({ exceeds: false, lmaxExceeds: false });
    expect(evaluateNoise({ zone: '4a', period: 'night', leq: 55.1, lmax: 70.1 })).toMatchObject({ exceeds: true, lmaxExceeds: true });
  });
});
