import { describe, expect, it } from 'vitest';
import { compositeChange, compositeIndex } from '../../../services/standards/index.ts';

// Issue 22 items 3 and 6: the composite index (环办监测〔2018〕19号) by a worked example computed by hand.
describe('ambient-air composite index I = Σ Ci/Si', () => {
  it('worked example', () => {
    // SO2, NO2, PM10, PM2.5: period means of daily means.
    //   SO2 (8 + 12) / 2 = 10 → 10/60 = 0.166667; NO2 (28 + 32) / 2 = 30 → 30/40 = 0.75
    //   PM10 (40 + 60) / 2 = 50 → 50/70 = 0.714286; PM2.5 (20 + 30) / 2 = 25 → 25/35 = 0.714286
    // CO: P95 of the daily means 0.5, 0.6, … 2.4 (n = 20): k = 1 + 19 × 0.95 = 19.05, s = 19,
    //   X19 = 2.3, X20 = 2.4 → 2.3 + 0.1 × 0.05 = 2.305 → printed 2.3 → 2.3/4 = 0.575
    // O3: P90 of the MDA8 100, 105, … 195 (n = 20): k = 1 + 19 × 0.9 = 18.1, s = 18,
    //   X18 = 185, X19 = 190 → 185 + 5 × 0.1 = 185.5 → printed 186 (half to even) → 186/160 = 1.1625
    // I = 0.166667 + 0.75 + 0.714286 + 0.714286 + 0.575 + 1.1625 = 4.082738 → 4.08
    const result = compositeIndex({
      so2: [8, 12], no2: [28, 32], pm10: [40, 60], pm25: [20, 30],
      co: Array.from({ length: 20 }, (_, i) => Math.round((0.5 + i * 0.1) * 10) / 10),
      o3_8h: Array.from({ length: 20 }, (_, i) => 100 + 5 * i),
    });
    expect(result.concentrations).toEqual({ so2: 10, no2: 30, pm10: 50, pm25: 25, co: 2.3, o3: 186 });
    expect(result.parts.o3).toBeCloseTo(1.1625, 10);
    expect(result.parts.co).toBeCloseTo(0.575, 10);
    expect(result.index).toBe(4.08);
    expect(result.maxPart).toBe('o3');
  });

  it('has no index when a pollutant has no valid day, and gives the change on last year', () => {
    expect(compositeIndex({ so2: [], no2: [30], pm10: [50], pm25: [25], co: [1], o3_8h: [100] }).index).toBeNull();
    // (4.08 − 4.50) / 4.50 = −0.0933… → −9.3 %
    expect(compositeChange(4.08, 4.5)).toBe(-9.3);
    expect(compositeChange(4.08, null)).toBeNull();
  });
});
