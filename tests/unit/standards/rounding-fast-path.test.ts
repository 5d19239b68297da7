import { describe, expect, it } from 'vitest';
import { ceilIndex, denoise, roundHalfEven } from '../../../services/standards/rounding.ts';

// The plain forms, as they were before the fast path: every value goes through denoise().
function plainRoundHalfEven(value: number, decimals = 0): number {
  const factor = 10 ** decimals;
  const scaled = denoise(Math.abs(value) * factor);
  const floor = Math.floor(scaled);
  const dropped = scaled - floor;
  let rounded = floor;
  if (dropped > 0.5 || (dropped === 0.5 && floor % 2 === 1)) rounded = floor + 1;
  if (rounded === 0) return 0;
  return (Math.sign(value) * rounded) / factor;
}
const plainCeilIndex = (raw: number) => Math.ceil(denoise(raw));

describe('rounding without denoise() where binary noise cannot matter', () => {
  let seed = 20_261_202;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  // Values on, near and between the boundaries of every number of decimals, at many magnitudes.
  function* values(): Generator<number> {
    for (const special of [0, -0, 0.5, 1.5, 2.5, -0.5, -2.5, 1e-300, 0.125, 1.005, 2.675, 1e15, 1e15 + 0.5, 2 ** 53, 1e21, 123456789.5, -1e-7, 1 - 1e-7, 0.4999999, 0.5000001]) yield special;
    for (let n = 0; n < 60_000; n += 1) {
      const magnitude = 10 ** Math.floor(random() * 16 - 4);
      const base = Math.round(random() * 1_000) / 2;
      const noise = [0, 1e-12, -1e-12, 1e-9, -1e-9, 5e-7, -5e-7, 1e-6, -1e-6, 2e-6, random() * 1e-3][Math.floor(random() * 11)]!;
      const value = random() < 0.5 ? (base + noise) * (random() < 0.5 ? 1 : magnitude) / (random() < 0.5 ? 1 : 10 ** Math.floor(random() * 4)) : random() * magnitude;
      yield random() < 0.1 ? -value : value;
    }
  }

  it('roundHalfEven equals the plain form for every value and 0-12 decimals (signed zeros included)', () => {
    let compared = 0;
    for (const value of values()) {
      const decimals = Math.floor(random() * 13);
      expect(Object.is(roundHalfEven(value, decimals), plainRoundHalfEven(value, decimals)), `${value}, ${decimals}`).toBe(true);
      compared += 1;
    }
    expect(compared).toBeGreaterThan(60_000);
  });

  it('ceilIndex equals the plain form (signed zeros included)', () => {
    for (const value of values()) expect(Object.is(ceilIndex(value), plainCeilIndex(value)), `${value}`).toBe(true);
    for (const value of [Infinity, -Infinity, NaN]) expect(Object.is(ceilIndex(value), plainCeilIndex(value))).toBe(true);
  });
});
