import { chooseAqiStandard, hourlyAqi, type AqiStandard, type HourlyAqiInput } from '../../standards/index.ts';
import type { EvaluatorFactory } from './condition.ts';
import { aqiCategoryText, verdictOf } from './aqi-verdict.ts';

const hourMs = 3_600_000;
const keys = ['so2', 'no2', 'co', 'o3', 'pm10', 'pm25'] as const;

/**
 * The real-time AQI of a station from its latest reading: station analysers report their
 * running 1-h means, which HJ 633-2026 §5.2.2 takes as the real-time inputs (under HJ 633-2012
 * PM counts through 24-h moving means, which one reading does not carry: PM is then left out).
 * One reading decides, so a single published reading can raise it (the screen's browser test).
 */
export const aqiRealtime: EvaluatorFactory<'aqi-realtime'> = (condition) => {
  // The version in force for the hour, as hourlyAqi({ hourEnding }) chooses it, kept for the
  // hour: choosing formats the Beijing date, and a station's readings arrive hour after hour.
  let standardHour = Number.NaN;
  let standard: AqiStandard = 'HJ 633-2026';
  return {
    category: aqiCategoryText,
    observe(reading) {
      const input: HourlyAqiInput = {};
      let any = false;
      for (const key of keys) {
        if (reading.values[key] === undefined) continue;
        input[key] = reading.values[key];
        any = true;
      }
      if (!any) return null;
      const hourEnding = Math.floor(reading.timeMs / hourMs) * hourMs + hourMs;
      if (hourEnding !== standardHour) [standardHour, standard] = [hourEnding, chooseAqiStandard(hourEnding - 1)];
      return verdictOf(hourlyAqi(input, { standard }), condition.above);
    },
  };
};
