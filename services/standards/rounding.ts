import { finiteNumber, numberInRange } from './checks.ts';

/**
 * Removes binary floating-point noise before a rounding decision, so that
 * 100.00000000001 is 100 and 1.005 × 100 is 100.5 (standards.md §1.3 hint).
 */
export function denoise(value: number, decimals = 9): number {
  return Number(value.toFixed(decimals));
}

/**
 * How far from a rounding boundary a value must lie for binary noise not to matter: denoise()
 * moves a value by about 1e-9 at most, so a value farther than this from every boundary rounds
 * the same without it. The standards round every concentration and index, the alarm rules on
 * every reading; denoise() is a toFixed and a parse, so the common case skips it.
 * tests/unit/standards/rounding-fast-path.test.ts holds both functions equal to the plain forms.
 */
const clearOfBoundary = 1e-6;

/**
 * GB/T 8170-2008 §3.3 rounding ("四舍六入五成双"): a dropped part of exactly
 * one half rounds to the even neighbour; more rounds up, less rounds down.
 */
export function roundHalfEven(value: number, decimals = 0): number {
  finiteNumber(value, 'value');
  numberInRange(decimals, 'decimals', 0, 12);
  const factor = 10 ** decimals;
  const magnitude = Math.abs(value) * factor;
  let floor = Math.floor(magnitude);
  let dropped = magnitude - floor;
  let rounded: number;
  if (magnitude < 1e15 && dropped > clearOfBoundary && dropped < 1 - clearOfBoundary && Math.abs(dropped - 0.5) > clearOfBoundary) {
    rounded = dropped > 0.5 ? floor + 1 : floor;
  } else {
    const scaled = denoise(magnitude);
    floor = Math.floor(scaled);
    dropped = scaled - floor;
    rounded = floor;
    if (dropped > 0.5 || (dropped === 0.5 && floor % 2 === 1)) rounded = floor + 1;
  }
  if (rounded === 0) return 0;
  return (Math.sign(value) * rounded) / factor;
}

/** HJ 633-2012 §6.2 / HJ 633-2026 §4.2.6: IAQI and AQI are always rounded up ("全部进位取整数"). */
export function ceilIndex(raw: number): number {
  const floor = Math.floor(raw);
  const fraction = raw - floor;
  if (Math.abs(raw) < 1e15) {
    // An integer stays itself (denoise turns -0 into 0, hence `+ 0`); a fraction clear of both ends rounds up.
    if (fraction === 0) return raw + 0;
    if (fraction > clearOfBoundary && fraction < 1 - clearOfBoundary) return Math.ceil(raw);
  }
  return Math.ceil(denoise(raw));
}
