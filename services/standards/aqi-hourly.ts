import type { BreakpointScale } from './aqi-breakpoints.ts';
import { buildAqiResult, type AqiResult, type IndicatorPlan } from './aqi-result.ts';
import { toEpochMs, type Instant } from './beijing-time.ts';
import { rejectUnknownKeys } from './checks.ts';
import { chooseAqiStandard, type AqiStandard } from './versions.ts';

/**
 * Real-time inputs. so2, no2, co, o3, pm10, pm25: 1-h means of the hour (payload keys, CO in mg/m³).
 * o3_8h, pm10_24h, pm25_24h: moving means ending at the hour (HJ 633-2012 only).
 * so2_24h: the SO2 24-h moving mean, used only by HJ 633-2012 note 2 when SO2 1-h > 800.
 */
export type HourlyAqiInputKey = 'so2' | 'no2' | 'co' | 'o3' | 'pm10' | 'pm25' | 'o3_8h' | 'pm10_24h' | 'pm25_24h' | 'so2_24h';
export type HourlyAqiKey = Exclude<HourlyAqiInputKey, 'so2_24h'>;
export type HourlyAqiInput = Partial<Record<HourlyAqiInputKey, number | null>>;

export type HourlyAqiOptions = ({ readonly hourEnding: Instant } | { readonly standard: AqiStandard }) & {
  readonly notMonitored?: readonly HourlyAqiKey[];
};

const inputKeys: readonly HourlyAqiInputKey[] = ['so2', 'no2', 'co', 'o3', 'pm10', 'pm25', 'o3_8h', 'pm10_24h', 'pm25_24h', 'so2_24h'];

// HJ 633-2012 §5.1.3 Table 4: 1-h SO2/NO2/CO/O3 on the 1-h columns, O3 8-h moving mean, and
// PM10/PM2.5 24-h moving means; the PM 1-h values are reported without an IAQI.
const plan2012: readonly (readonly [HourlyAqiKey, BreakpointScale])[] = [
  ['so2', 'so2_1h'], ['no2', 'no2_1h'], ['co', 'co_1h'], ['o3', 'o3_1h'],
  ['o3_8h', 'o3_8h'], ['pm10_24h', 'pm10_24h'], ['pm25_24h', 'pm25_24h'],
];

// HJ 633-2026 §4.2.3–4.2.4 Table 5: six 1-h means; PM10/PM2.5 use the daily breakpoints.
const plan2026: readonly (readonly [HourlyAqiKey, BreakpointScale])[] = [
  ['so2', 'so2_1h'], ['no2', 'no2_1h'], ['co', 'co_1h'], ['o3', 'o3_1h'],
  ['pm10', 'pm10_24h'], ['pm25', 'pm25_24h'],
];

function plansFor(standard: AqiStandard, input: HourlyAqiInput): IndicatorPlan<HourlyAqiKey>[] {
  const table = standard === 'HJ 633-2012' ? plan2012 : plan2026;
  return table.map(([key, scale]) => {
    const plan: IndicatorPlan<HourlyAqiKey> = { key, scale, value: input[key] };
    if (standard === 'HJ 633-2012' && key === 'so2') {
      return { ...plan, fallback: { scale: 'so2_24h', value: input.so2_24h, name: 'so2_24h' } };
    }
    return plan;
  });
}

/**
 * The real-time (hourly) AQI (HJ 633-2012 §5.1.3 / HJ 633-2026 §5.2.2). `hourEnding` is the hour's
 * label X (the hour X-1…X). The version follows the day the hour belongs to: per HJ 663 the hour
 * ending at 00:00 is hour 24 of the previous day, so it is judged 1 ms before its label.
 */
export function hourlyAqi(input: HourlyAqiInput, options: HourlyAqiOptions): AqiResult<HourlyAqiKey> {
  rejectUnknownKeys(input, inputKeys, 'a real-time AQI input');
  const standard = 'standard' in options ? options.standard : chooseAqiStandard(toEpochMs(options.hourEnding) - 1);
  return buildAqiResult(plansFor(standard, input), standard, options.notMonitored ?? []);
}
