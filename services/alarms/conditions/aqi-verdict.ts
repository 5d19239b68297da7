import type { AqiResult } from '../../standards/index.ts';
import type { Verdict } from './condition.ts';

/**
 * An AQI against a level. HJ 633-2026 §5.3.1 withholds an AQI of ≤ 100 when a pollutant is
 * missing; the largest IAQI computed then still proves that a level above 100 is not reached.
 */
export function verdictOf(result: AqiResult<string>, above: number): Verdict | null {
  const indices = Object.values(result.iaqi) as number[];
  const value = result.aqi ?? (indices.length ? Math.max(...indices) : null);
  if (value === null || (result.aqi === null && above < 100)) return null;
  return { active: value > above, value, limit: above };
}
