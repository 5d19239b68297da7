import type { BreakpointScale } from './aqi-breakpoints.ts';
import { buildAqiResult, type AqiResult, type IndicatorPlan } from './aqi-result.ts';
import type { DayOrInstant } from './beijing-time.ts';
import { rejectUnknownKeys } from './checks.ts';
import { chooseAqiStandard, type AqiStandard } from './versions.ts';

/** Daily inputs: 24-h means of SO2, NO2, PM10, PM2.5 (µg/m³) and CO (mg/m³); the day's max 1-h and max 8-h O3. */
export type DailyAqiKey = 'so2' | 'no2' | 'co' | 'pm10' | 'pm25' | 'o3_8h' | 'o3_1h';
export type DailyAqiInput = Partial<Record<DailyAqiKey, number | null>>;

export type DailyAqiOptions = ({ readonly day: DayOrInstant } | { readonly standard: AqiStandard }) & {
  /** Pollutants the site does not monitor by design (HJ 633-2026 §5.3.2 "/"). */
  readonly notMonitored?: readonly DailyAqiKey[];
};

const dailyKeys: readonly DailyAqiKey[] = ['so2', 'no2', 'co', 'pm10', 'pm25', 'o3_8h', 'o3_1h'];

const dailyScale: Readonly<Record<DailyAqiKey, BreakpointScale>> = {
  so2: 'so2_24h',
  no2: 'no2_24h',
  co: 'co_24h',
  pm10: 'pm10_24h',
  pm25: 'pm25_24h',
  o3_8h: 'o3_8h',
  o3_1h: 'o3_1h',
};

// HJ 633-2012 §5.1.2 Table 3: seven daily indicators, O3 1-h max included.
// HJ 633-2026 §4.2.2 Table 4: six; the O3 1-h max no longer gets a daily IAQI (an o3_1h input is ignored).
const dailyIndicators: Readonly<Record<AqiStandard, readonly DailyAqiKey[]>> = {
  'HJ 633-2012': dailyKeys,
  'HJ 633-2026': ['so2', 'no2', 'co', 'pm10', 'pm25', 'o3_8h'],
};

/**
 * The daily AQI of one day (HJ 633-2012 §5.1.2 / HJ 633-2026 §4.2.2), with the version chosen
 * by the day (Beijing time) unless a standard is given.
 */
export function dailyAqi(input: DailyAqiInput, options: DailyAqiOptions): AqiResult<DailyAqiKey> {
  rejectUnknownKeys(input, dailyKeys, 'a daily AQI input');
  const standard = 'standard' in options ? options.standard : chooseAqiStandard(options.day);
  const plans: IndicatorPlan<DailyAqiKey>[] = dailyIndicators[standard].map((key) => ({
    key,
    scale: dailyScale[key],
    value: input[key],
  }));
  return buildAqiResult(plans, standard, options.notMonitored ?? []);
}
