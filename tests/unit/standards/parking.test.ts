import { describe, expect, it } from 'vitest';
import { occupancyPct, peakHours, shareableSpaces } from '../../../services/standards/index.ts';

// An office lot of 200 spaces: 20 cars at night, 190 from 09:00 to 17:59, 120 in the shoulders.
const office = Array.from({ length: 24 }, (_, hour) => (hour >= 9 && hour < 18 ? 190 : hour >= 7 && hour < 20 ? 120 : 20));

describe('parking', () => {
  it('computes occupancy and refuses more occupied than total', () => {
    expect(occupancyPct(45, 60)).toBe(75);
    expect(occupancyPct(0, 0)).toBeNull();
    expect(() => occupancyPct(61, 60)).toThrow(expect.objectContaining({ code: 'WX_ERR_INCONSISTENT_VALUES' }));
  });

  it('finds the peak hour(s) and the busy hours (≥ 85 %)', () => {
    const pct = office.map((occupied) => (occupied / 200) * 100);
    expect(peakHours(pct)).toEqual({
      peakHours: [9, 10, 11, 12, 13, 14, 15, 16, 17],
      peakOccupancyPct: 95,
      busyHours: [9, 10, 11, 12, 13, 14, 15, 16, 17],
    });
    expect(peakHours(pct, { busyPct: 50 }).busyHours).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(peakHours(Array(24).fill(null))).toEqual({ peakHours: [], peakOccupancyPct: null, busyHours: [] });
    expect(() => peakHours([1, 2])).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
  });

  it('shares spaces up to the busy threshold off-peak, nothing at peak, and promises the minimum over a window', () => {
    const result = shareableSpaces(office, 200);
    // ⌊200 × 0.85⌋ = 170 may be used: 150 free at night, 50 in the shoulders, 0 at the peak.
    expect(result.perHour[2]).toBe(150);
    expect(result.perHour[8]).toBe(50);
    expect(result.perHour[12]).toBe(0);
    expect(result.offPeakHours).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 18, 19, 20, 21, 22, 23]);
    expect(shareableSpaces(office, 200, { window: { fromHour: 20, toHour: 7 } }).window).toEqual({ fromHour: 20, toHour: 7, spaces: 150 });
    expect(shareableSpaces(office, 200, { window: { fromHour: 18, toHour: 8 } }).window?.spaces).toBe(50);
    const gap: (number | null)[] = [...office];
    gap[3] = null;
    expect(shareableSpaces(gap, 200).perHour[3]).toBe(0);
  });
});
