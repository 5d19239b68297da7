import { IAQI_LEVELS, breakpoints, type BreakpointScale } from './aqi-breakpoints.ts';
import { nonNegative } from './checks.ts';
import { ceilIndex, roundHalfEven } from './rounding.ts';
import type { AqiStandard } from './versions.ts';

/**
 * The concentration an IAQI is computed from: the published one.
 * HJ 633-2026 §4.2.2: rounded per GB/T 8170 (half to even) to integers in µg/m³, CO in mg/m³ to one decimal.
 * HJ 633-2012 is silent; Wanxiang rounds the same way for it (issue 22 item 5), because bulletins print
 * concentrations at that precision and a reader must be able to recompute every printed AQI from the
 * printed figures (O3-8h printed 72 gives IAQI 36, where 72.06 gave 37). `_standard` is kept so a
 * version-specific rule can return without changing every caller.
 */
export function roundConcentration(scale: BreakpointScale, concentration: number, _standard: AqiStandard): number {
  const checked = nonNegative(concentration, scale);
  return roundHalfEven(checked, scale.startsWith('co_') ? 1 : 0);
}

/**
 * The >800 µg/m³ rules, or undefined when the table applies.
 * HJ 633-2012 Table 1 note 2/3: no SO2 1-h / O3 8-h IAQI is computed (null); the caller falls back
 * to the SO2 24-h IAQI / the O3 1-h IAQI.
 * HJ 633-2026 Table 3 notes b/c: SO2 1-h > 800 gives IAQI 200; O3 8-h > 800 gives IAQI 300.
 */
function above800Rule(scale: BreakpointScale, concentration: number, standard: AqiStandard): number | null | undefined {
  if (concentration <= 800) return undefined;
  if (scale === 'so2_1h') return standard === 'HJ 633-2012' ? null : 200;
  if (scale === 'o3_8h') return standard === 'HJ 633-2012' ? null : 300;
  return undefined;
}

/** HJ 633-2012 §4 IAQI formula / HJ 633-2026 §4.2.4: linear interpolation between the breakpoints around C. */
function interpolate(columns: readonly number[], concentration: number): number {
  for (let i = 1; i < columns.length; i += 1) {
    const hi = columns[i]!;
    if (concentration > hi) continue;
    const lo = columns[i - 1]!;
    const iaqiHi = IAQI_LEVELS[i]!;
    const iaqiLo = IAQI_LEVELS[i - 1]!;
    return ceilIndex(((iaqiHi - iaqiLo) / (hi - lo)) * (concentration - lo) + iaqiLo);
  }
  // Above the top breakpoint neither version defines a value; every bulletin caps at 500.
  return 500;
}

/**
 * The IAQI of one concentration on one breakpoint column, rounded up
 * (HJ 633-2012 §6.2, HJ 633-2026 §4.2.6). Null when HJ 633-2012 computes none (SO2 1-h or O3 8-h > 800).
 */
export function iaqi(scale: BreakpointScale, concentration: number, standard: AqiStandard): number | null {
  const rounded = roundConcentration(scale, concentration, standard);
  const special = above800Rule(scale, rounded, standard);
  if (special !== undefined) return special;
  return interpolate(breakpoints(standard, scale), rounded);
}
