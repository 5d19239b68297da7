import { aqiCategory, type AqiResult } from '../../standards/index.ts';
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

/** The HJ 633 category an AQI is in, in the alarm text's language (AQI 500 is 严重污染, as the wall's chip says). */
export function aqiCategoryText(aqi: number, language: 'zh' | 'en'): string {
  const category = aqiCategory(aqi);
  return language === 'zh' ? category.category : category.categoryEn.toLowerCase();
}
