import { validValues, type Gappy } from './air-validity.ts';
import { numberInRange } from './checks.ts';
import { denoise } from './rounding.ts';

/**
 * HJ 663-2013 Appendix A percentile (standards.md §2.4; the formula is from public code, not checked
 * against the text): sort the n valid values ascending, k = 1 + (n − 1)·p/100, s = ⌊k⌋,
 * m_p = X(s) + (X(s+1) − X(s))·(k − s). Equals Excel PERCENTILE.INC. Null with no valid value. Not rounded.
 */
export function hj663Percentile(values: Gappy, p: number): number | null {
  numberInRange(p, 'p', 0, 100);
  const sorted = validValues(values).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const k = 1 + ((sorted.length - 1) * p) / 100;
  const s = Math.floor(k);
  const lower = sorted[s - 1]!;
  const upper = sorted[s] ?? lower;
  return denoise(lower + (upper - lower) * (k - s));
}
