import { describe, expect, it } from 'vitest';
import { beijingDay, beijingHour, ceilIndex, chooseAqiStandard, roundHalfEven } from '../../../services/standards/index.ts';

describe('GB/T 8170 rounding and the IAQI ceiling', () => {
  it('rounds an exact half to the even neighbour', () => {
    expect([0.5, 1.5, 2.5, 3.5, 60.5, 61.5].map((v) => roundHalfEven(v))).toEqual([0, 2, 2, 4, 60, 62]);
    expect(roundHalfEven(2.51)).toBe(3);
    expect(roundHalfEven(2.49)).toBe(2);
    expect(roundHalfEven(-2.5)).toBe(-2);
    expect(roundHalfEven(1.25, 1)).toBe(1.2);
    expect(roundHalfEven(1.35, 1)).toBe(1.4);
    expect(roundHalfEven(1.005, 2)).toBe(1);
    expect(roundHalfEven(0.2015, 3)).toBe(0.202);
  });

  it('rounds indices up but ignores float noise', () => {
    expect(ceilIndex(56.25)).toBe(57);
    expect(ceilIndex(100.00000000001)).toBe(100);
    expect(ceilIndex(100.001)).toBe(101);
  });
});

describe('Beijing time and the version switch', () => {
  it('places instants on Beijing days and hours', () => {
    expect(beijingDay('2026-02-28T16:00:00Z')).toBe('2026-03-01');
    expect(beijingDay(Date.parse('2026-02-28T15:59:59Z'))).toBe('2026-02-28');
    expect(beijingDay(new Date('2026-03-01T00:00:00+08:00'))).toBe('2026-03-01');
    expect(beijingHour('2026-03-01T00:30:00+08:00')).toBe(0);
  });

  it('uses HJ 633-2026 from 2026-03-01', () => {
    expect(chooseAqiStandard('2026-02-28')).toBe('HJ 633-2012');
    expect(chooseAqiStandard('2026-03-01')).toBe('HJ 633-2026');
    expect(chooseAqiStandard('2013-01-01')).toBe('HJ 633-2012');
  });

  it('refuses impossible days and zone-less times', () => {
    for (const bad of ['2026-02-30', '2026-03-01T00:00:00', 'yesterday', Number.NaN]) {
      expect(() => chooseAqiStandard(bad), String(bad)).toThrow(expect.objectContaining({ code: 'WX_ERR_BAD_TIMESTAMP' }));
    }
  });
});
