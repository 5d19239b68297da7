import { describe, expect, it } from 'vitest';
import {
  ambientLimit, annualValidity, checkAmbientLimit, chooseGb3095Phase, dailyAqi, dailyMaxO3EightHour, dailyMean,
  evaluateYear, goodDayRatio, hj663Percentile, iaqi, isValidHour, o3MovingMeans,
} from '../../../services/standards/index.ts';

const hours = (value: number, missing: readonly number[] = []) =>
  Array.from({ length: 24 }, (_, hour) => (missing.includes(hour) ? null : value));

/** Every Beijing day of a year, as 'YYYY-MM-DD'. */
function daysOf(year: number): string[] {
  const days: string[] = [];
  for (let ms = Date.UTC(year, 0, 1); ms < Date.UTC(year + 1, 0, 1); ms += 86_400_000) days.push(new Date(ms).toISOString().slice(0, 10));
  return days;
}

describe('data validity (GB 3095-2026 Table 4)', () => {
  it('needs 45 minutes for an hour', () => {
    expect(isValidHour(45)).toBe(true);
    expect(isValidHour(44)).toBe(false);
  });

  it('needs 20 valid hours for a daily mean', () => {
    expect(dailyMean(hours(30, [0, 1, 2, 3]))).toBe(30);
    expect(dailyMean(hours(30, [0, 1, 2, 3, 4]))).toBeNull();
    expect(() => dailyMean(Array.from({ length: 25 }, () => 1))).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
  });

  it('a day with 19 valid hours has no daily mean, no daily AQI, and is not in the good-day denominator', () => {
    const broken = hours(20, [3, 4, 5, 6, 7]);
    const means = { so2: dailyMean(broken), no2: dailyMean(broken), co: dailyMean(broken), pm10: dailyMean(broken), pm25: dailyMean(broken), o3_8h: null, o3_1h: null };
    expect(means.pm25).toBeNull();
    for (const standard of ['HJ 633-2012', 'HJ 633-2026'] as const) {
      expect(dailyAqi(means, { standard }).aqi).toBeNull();
    }
    const brokenDay = dailyAqi(means, { day: '2026-05-03' }).aqi;
    expect(goodDayRatio([40, 80, 120, brokenDay])).toEqual({ goodDays: 2, validDays: 3, ratio: 2 / 3, percent: 66.7 });
  });

  it('needs 6 of 8 hours for an O3 8-h mean', () => {
    const series = [10, 20, 30, 40, 50, 60, 70, 80, 90, null, null, null, 130];
    const means = o3MovingMeans(series);
    expect(means[7]).toBe(45);
    expect(means[5]).toBe(35); // hours 0–5 only: 6 valid, the two before the series count as missing
    expect(means[4]).toBeNull();
    expect(means[10]).toBe(65); // hours 3–10 with 9 and 10 missing: mean of 40…90
    expect(means[11]).toBeNull(); // hours 4–11: 5 valid
    expect(means[12]).toBeNull(); // hours 5–12: 5 valid
  });

  it('takes the MDA8 over the 17 windows ending 08:00 … 24:00, valid with ≥ 14, or when it exceeds anyway', () => {
    const day = hours(100);
    day[14] = 196; // lifts the windows ending 15:00 … 22:00 to 112
    expect(dailyMaxO3EightHour(day)).toEqual({ value: 112, valid: true, validWindows: 17, maxOfValidWindows: 112 });
    // Hours 8, 9, 10 missing: the six windows holding all three have 5 valid hours → 11 valid windows.
    const gappy = hours(100, [8, 9, 10]);
    expect(dailyMaxO3EightHour(gappy)).toMatchObject({ value: null, valid: false, validWindows: 11, maxOfValidWindows: 100 });
    expect(dailyMaxO3EightHour(hours(200, [8, 9, 10]))).toMatchObject({ value: 200, valid: true, validWindows: 11 });
    expect(() => dailyMaxO3EightHour([1, 2, 3])).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
  });

  it('needs 324 days a year with 27 a month, February 25', () => {
    const all = daysOf(2025);
    expect(annualValidity(all, 2025)).toMatchObject({ valid: true, days: 365, shortMonths: [] });
    const feb25 = all.filter((day) => !['2025-02-01', '2025-02-02', '2025-02-03'].includes(day));
    expect(annualValidity(feb25, 2025)).toMatchObject({ valid: true, shortMonths: [] });
    const feb24 = feb25.filter((day) => day !== '2025-02-04');
    expect(annualValidity(feb24, 2025)).toMatchObject({ valid: false, shortMonths: [2] });
    const march26 = all.filter((day) => !/^2025-03-0[1-5]$/.test(day));
    expect(annualValidity(march26, 2025)).toMatchObject({ valid: false, shortMonths: [3] });
    // Every month at its minimum, but 322 days in all.
    const drop = new Set(['01', '03', '05', '07', '08', '10', '12'].flatMap((m) => [1, 2, 3, 4].map((d) => `2025-${m}-0${d}`))
      .concat(['04', '06', '09', '11', '02'].flatMap((m) => [1, 2, 3].map((d) => `2025-${m}-0${d}`))));
    const thin = all.filter((day) => !drop.has(day));
    expect(annualValidity(thin, 2025)).toMatchObject({ valid: false, days: 322, shortMonths: [] });
    expect(annualValidity(all.slice(0, 1).concat(all.slice(0, 1)), 2025).days).toBe(1);
    expect(() => annualValidity(['2024-12-31'], 2025)).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
  });
});

describe('HJ 663 percentiles and the good-day ratio', () => {
  it('example 8: P90, P95 and P98 of 1 … 20 are 18.1, 19.05 and 19.62', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(hj663Percentile(values, 90)).toBe(18.1);
    expect(hj663Percentile(values, 95)).toBe(19.05);
    expect(hj663Percentile(values, 98)).toBe(19.62);
    expect(hj663Percentile([...values, null], 100)).toBe(20);
    expect(hj663Percentile([7], 95)).toBe(7);
    expect(hj663Percentile([], 95)).toBeNull();
    expect(() => hj663Percentile(values, 101)).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
  });

  it('example 7: 40 优 + 47 良 of 88 valid days (91 calendar days) is 98.9 %', () => {
    const days = [...Array(40).fill(35), ...Array(47).fill(80), 130, null, null, null];
    expect(days).toHaveLength(91);
    expect(goodDayRatio(days)).toMatchObject({ goodDays: 87, validDays: 88, percent: 98.9 });
    expect(goodDayRatio([null]).ratio).toBeNull();
    expect(goodDayRatio([100, 101])).toMatchObject({ goodDays: 1, validDays: 2, percent: 50 });
  });
});

describe('GB 3095 limits (2012, 2026 transition, 2031 final)', () => {
  it('picks the phase by the Beijing day', () => {
    expect(chooseGb3095Phase('2026-02-28')).toBe('GB 3095-2012');
    expect(chooseGb3095Phase('2026-03-01')).toBe('GB 3095-2026 transition');
    expect(chooseGb3095Phase('2030-12-31')).toBe('GB 3095-2026 transition');
    expect(chooseGb3095Phase('2030-12-31T16:00:00Z')).toBe('GB 3095-2026 final');
  });

  it('tightens Grade II PM2.5 24-h from 75 to 60 to 50 µg/m³ and keeps Grade I', () => {
    expect(ambientLimit('pm25_24h', 'GB 3095-2012')).toBe(75);
    expect(ambientLimit('pm25_24h', 'GB 3095-2026 transition')).toBe(60);
    expect(ambientLimit('pm25_24h', 'GB 3095-2026 final')).toBe(50);
    expect(ambientLimit('pm25_24h', 'GB 3095-2026 final', 1)).toBe(25);
    expect(ambientLimit('pm10_annual', 'GB 3095-2012')).toBe(70);
    expect(ambientLimit('pm10_annual', 'GB 3095-2026 transition')).toBe(60);
    expect(ambientLimit('no2_24h', 'GB 3095-2026 final')).toBe(50);
    expect(ambientLimit('o3_8h', 'GB 3095-2026 final')).toBe(160);
  });

  it('compares the rounded value; from 2031 IAQI ≤ 100 no longer means "meets Grade II"', () => {
    expect(checkAmbientLimit('pm25_24h', 60.4, { observed: '2026-06-01' })).toEqual({ limit: 60, value: 60, exceeds: false, phase: 'GB 3095-2026 transition' });
    expect(checkAmbientLimit('pm25_24h', 60.6, { observed: '2026-06-01' }).exceeds).toBe(true);
    expect(checkAmbientLimit('co_24h', 4.05, { phase: 'GB 3095-2012' })).toMatchObject({ value: 4, exceeds: false });
    expect(checkAmbientLimit('pm25_24h', 55, { observed: '2031-06-01' }).exceeds).toBe(true);
    expect(iaqi('pm25_24h', 55, 'HJ 633-2026')).toBe(90);
  });

  it('evaluates a year: annual means and percentiles against their limits', () => {
    const year = (value: number, y = 2025) => daysOf(y).map((day) => ({ day, value }));
    const evaluation = evaluateYear({ so2: year(8), no2: year(30), pm10: year(45), pm25: year(25), co: year(0.8), o3_8h: year(120) }, 2025);
    expect(evaluation.phase).toBe('GB 3095-2012');
    expect(evaluation.compliant).toBe(true);
    expect(evaluation.pollutants.pm25).toMatchObject({ valid: true, annualMean: { value: 25, limit: 35 }, percentile: { p: 95, value: 25, limit: 75 } });
    expect(evaluation.pollutants.co?.annualMean).toBeNull();
    // 2027 transition: a PM2.5 annual mean of 32 exceeds 30.
    const later = evaluateYear({ pm25: year(32, 2027) }, 2027);
    expect(later).toMatchObject({ phase: 'GB 3095-2026 transition', compliant: false, pollutants: { pm25: { compliant: false } } });
    // Too few days: the pollutant is not judged, nor is the site.
    const short = evaluateYear({ pm25: year(20).slice(0, 300) }, 2025);
    expect(short).toMatchObject({ compliant: null, pollutants: { pm25: { valid: false, compliant: null } } });
  });
});
