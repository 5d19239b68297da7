import { describe, expect, it } from 'vitest';
import { classifyLoad, detectLoadEvents, loadRatePct, type LoadPoint } from '../../../services/standards/index.ts';

const START = Date.parse('2026-05-01T00:00:00+08:00');
const STEP = 15 * 60_000;

/** A 96-point day at 50 % with the given points replaced. */
function day(overrides: Record<number, number | null>): LoadPoint[] {
  return Array.from({ length: 96 }, (_, i) => ({ at: START + i * STEP, loadRatePct: i in overrides ? overrides[i]! : 50 }));
}
const run = (from: number, length: number, value: number) =>
  Object.fromEntries(Array.from({ length }, (_, i) => [from + i, value]));

describe('grid load rate and heavy/overload events', () => {
  it('computes the load rate from apparent power and rated capacity', () => {
    expect(loadRatePct(800, 1_000)).toBe(80);
    expect(loadRatePct(1_060, 1_000)).toBeCloseTo(106);
    expect(() => loadRatePct(100, 0)).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
  });

  it('example 11: 8 points at 106 % is overload; 8 at 89 % is heavy; 105 % never 8 in a row is normal', () => {
    const over = day(run(40, 8, 106));
    expect(classifyLoad(over)).toBe('overload');
    expect(detectLoadEvents(over)).toEqual([
      { kind: 'heavy', start: START + 40 * STEP, end: START + 47 * STEP, points: 8, durationMs: 2 * 3_600_000, peakPct: 106, peakAt: START + 40 * STEP },
      { kind: 'overload', start: START + 40 * STEP, end: START + 47 * STEP, points: 8, durationMs: 2 * 3_600_000, peakPct: 106, peakAt: START + 40 * STEP },
    ]);
    expect(classifyLoad(day(run(40, 8, 89)))).toBe('heavy');
    expect(detectLoadEvents(day(run(40, 8, 89)))).toHaveLength(1);
    expect(classifyLoad(day({ ...run(10, 7, 105), ...run(30, 7, 105), ...run(60, 3, 105) }))).toBe('normal');
  });

  it('treats the thresholds as inclusive and needs 8 points', () => {
    expect(classifyLoad(day(run(0, 8, 80)))).toBe('heavy');
    expect(classifyLoad(day(run(0, 7, 99)))).toBe('normal');
    expect(classifyLoad(day(run(88, 8, 100)))).toBe('overload');
  });

  it('finds an overload inside a longer heavy spell, with the peak', () => {
    const series = day({ ...run(20, 12, 90), ...run(22, 8, 104), 25: 118 });
    const events = detectLoadEvents(series);
    expect(events.map((e) => [e.kind, e.points, e.peakPct, (e.peakAt - START) / STEP])).toEqual([
      ['heavy', 12, 118, 25],
      ['overload', 8, 118, 25],
    ]);
  });

  it('breaks a run at a missing point or a gap in time', () => {
    expect(classifyLoad(day({ ...run(40, 8, 106), 44: null }))).toBe('normal');
    const gapped = day(run(40, 8, 106)).filter((_, i) => i !== 44);
    expect(classifyLoad(gapped)).toBe('normal');
    // Unsorted input is sorted by time first.
    expect(classifyLoad([...day(run(40, 8, 106))].reverse())).toBe('overload');
  });

  it('takes configurable thresholds and refuses incoherent ones', () => {
    expect(classifyLoad(day(run(40, 4, 95)), { minPoints: 4, overloadPct: 90 })).toBe('overload');
    expect(classifyLoad(day(run(40, 8, 75)), { heavyPct: 70 })).toBe('heavy');
    expect(() => detectLoadEvents([], { heavyPct: 120 })).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
    expect(() => detectLoadEvents([], { minPoints: 2.5 })).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
  });
});
