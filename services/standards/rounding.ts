import { finiteNumber, numberInRange } from './checks.ts';

/**
 * Removes binary floating-point noise before a rounding decision, so that
 * 100.00000000001 is 100 and 1.005 × 100 is 100.5 (standards.md §1.3 hint).
 */
export function denoise(value: number, decimals = 9): number {
  return Number(value.toFixed(decimals));
}

/**
 * GB/T 8170-2008 §3.3 rounding ("四舍六入五成双"): a dropped part of exactly
 * one half rounds to the even neighbour; more rounds up, less rounds down.
 */
export function roundHalfEven(value: number, decimals = 0): number {
  finiteNumber(value, 'value');
  numberInRange(decimals, 'decimals', 0, 12);
  const factor = 10 ** decimals;
  const scaled = denoise(Math.abs(value) * factor);
  const floor = Math.floor(scaled);
  const dropped = scaled - floor;
  let rounded = floor;
  if (dropped > 0.5 || (dropped === 0.5 && floor % 2 === 1)) rounded = floor + 1;
  if (rounded === 0) return 0;
  return (Math.sign(value) * rounded) / factor;
}

/** HJ 633-2012 §6.2 / HJ 633-2026 §4.2.6: IAQI and AQI are always rounded up ("全部进位取整数"). */
export function ceilIndex(raw: number): number {
  return Math.ceil(denoise(raw));
}
