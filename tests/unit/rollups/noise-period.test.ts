import { describe, expect, it } from 'vitest';
import { noisePeriod } from '../../../services/rollups/noise-period.ts';

const hour = 3_600_000;
const from = Date.parse('2024-06-05T06:00:00+08:00');
const row = (time: number, leq: number) => ({ time, fields: { leq_dba: leq } });

describe('a noise period with an HJ 212 station\'s own hours', () => {
  // 06:00-07:00 in 5-min readings at 70 dB; 07:00-08:00 the station's own hour at 60 dB, its readings of that hour (90 dB) not counted again.
  const rows = [...Array.from({ length: 12 }, (_, i) => row(from + i * 300_000, 70)), ...Array.from({ length: 12 }, (_, i) => row(from + hour + i * 300_000, 90))];
  const sent = new Map([[from + hour, { leq_dba: 60, lmax_dba: 75 }]]);

  it('weighs an hour it sent as 60 minutes beside its readings of the other hours', () => {
    const figures = noisePeriod('day', rows, from, from + 16 * hour, 5, sent);
    expect(figures.leq).toBeCloseTo(10 * Math.log10((10 ** 7 + 10 ** 6) / 2), 9);
    expect(figures.points).toBe(13);
    expect(figures.coverage.coverage).toBeCloseTo(120 / 960, 9);
    expect(figures.lmax).toEqual([75]);
  });

  it('an hour it sent flagged invalid (no Leq) is an hour without a level or coverage; without hours of its own the readings alone count', () => {
    const invalid = noisePeriod('day', rows, from, from + 16 * hour, 5, new Map([[from + hour, {}]]));
    expect(invalid.leq).toBeCloseTo(70, 9);
    expect(invalid.points).toBe(12);
    expect(invalid.coverage.coverage).toBeCloseTo(60 / 960, 9);
    const readings = noisePeriod('day', rows, from, from + 16 * hour, 5);
    expect(readings.points).toBe(24);
    expect(readings.leq).toBeCloseTo(10 * Math.log10((10 ** 7 + 10 ** 9) / 2), 9);
  });
});
