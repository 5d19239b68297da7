import type { AqiStandard } from './versions.ts';

/** A breakpoint column of HJ 633 Table 1 (2012) / Table 3 (2026): pollutant and averaging time. */
export type BreakpointScale =
  | 'so2_24h' | 'so2_1h' | 'no2_24h' | 'no2_1h' | 'pm10_24h'
  | 'co_24h' | 'co_1h' | 'o3_1h' | 'o3_8h' | 'pm25_24h';

/** The IAQI of each breakpoint row; a column's i-th concentration maps to IAQI_LEVELS[i]. */
export const IAQI_LEVELS = [0, 50, 100, 150, 200, 300, 400, 500] as const;

// HJ 633-2012 Table 1, verbatim (µg/m³; CO in mg/m³). SO2 1-h stops at 200 (note 2)
// and O3 8-h at 300 (note 3): above 800 µg/m³ the special rules in iaqi.ts apply.
const hj633_2012: Readonly<Record<BreakpointScale, readonly number[]>> = {
  so2_24h: [0, 50, 150, 475, 800, 1600, 2100, 2620],
  so2_1h: [0, 150, 500, 650, 800],
  no2_24h: [0, 40, 80, 180, 280, 565, 750, 940],
  no2_1h: [0, 100, 200, 700, 1200, 2340, 3090, 3840],
  pm10_24h: [0, 50, 150, 250, 350, 420, 500, 600],
  co_24h: [0, 2, 4, 14, 24, 36, 48, 60],
  co_1h: [0, 5, 10, 35, 60, 90, 120, 150],
  o3_1h: [0, 160, 200, 300, 400, 800, 1000, 1200],
  o3_8h: [0, 100, 160, 215, 265, 800],
  pm25_24h: [0, 35, 75, 115, 150, 250, 350, 500],
};

// HJ 633-2026 Table 3: only the PM10 and PM2.5 daily columns change (IAQI 100 at 120 and 60).
const hj633_2026: Readonly<Record<BreakpointScale, readonly number[]>> = {
  ...hj633_2012,
  pm10_24h: [0, 50, 120, 250, 350, 420, 500, 600],
  pm25_24h: [0, 35, 60, 115, 150, 250, 350, 500],
};

const tables: Readonly<Record<AqiStandard, Readonly<Record<BreakpointScale, readonly number[]>>>> = {
  'HJ 633-2012': hj633_2012,
  'HJ 633-2026': hj633_2026,
};

/** The concentrations at IAQI 0, 50, 100, … for one column of one version. */
export function breakpoints(standard: AqiStandard, scale: BreakpointScale): readonly number[] {
  return tables[standard][scale];
}
