import { dailyAqi, o3MovingMeans, type DailyAqiInput } from '../../standards/index.ts';
import type { EvaluatorFactory } from './condition.ts';
import { aqiCategoryText, verdictOf } from './aqi-verdict.ts';
import { createWindowMeans } from './window-means.ts';

const hourMs = 3_600_000;
const dayMs = 86_400_000;
// China Standard Time, UTC+8 all year: the Beijing day of an instant.
const beijingOffsetMs = 8 * hourMs;
const meanKeys = ['so2', 'no2', 'co', 'pm10', 'pm25'] as const;

interface OzoneDay {
  day: number;
  sum: number[];
  count: number[];
  /** Hours of the day with any reading. */
  hours: Set<number>;
}

/** The day's O3 hourly means so far (index 0 = the hour ending 01:00), null where none. */
function ozoneHours(day: OzoneDay): (number | null)[] {
  return day.sum.map((sum, hour) => (day.count[hour] ? sum / day.count[hour]! : null));
}

/**
 * The daily AQI of the Beijing day so far (HJ 633 by the day's version), once the day has
 * readings in `minHours` hours: 24-h means of the day's readings so far, the O3 8-h moving means of its hours so far (GB 3095 validity: ≥ 6
 * hours per window) and, under HJ 633-2012, the O3 1-h maximum. Work per reading is bounded
 * by the day's 24 hours.
 */
export const aqiDay: EvaluatorFactory<'aqi-day'> = (condition) => {
  const means = createWindowMeans(meanKeys);
  const ozone = new Map<string, OzoneDay>();
  return {
    category: aqiCategoryText,
    observe(reading) {
      const local = reading.timeMs + beijingOffsetMs;
      const day = Math.floor(local / dayMs);
      if (!means.add(reading.deviceId, day, reading.values)) return null;
      let o3 = ozone.get(reading.deviceId);
      if (!o3 || o3.day !== day) ozone.set(reading.deviceId, (o3 = { day, sum: Array<number>(24).fill(0), count: Array<number>(24).fill(0), hours: new Set() }));
      const hour = Math.floor((local - day * dayMs) / hourMs);
      o3.hours.add(hour);
      if (reading.values.o3 !== undefined) {
        o3.sum[hour]! += reading.values.o3;
        o3.count[hour]! += 1;
      }
      // A day's first minutes say little about the day: wait for enough hours (the rule's minHours).
      if (o3.hours.size < condition.minHours) return null;
      const hours = ozoneHours(o3);
      const eightHour = o3MovingMeans(hours).filter((mean): mean is number => mean !== null);
      const oneHour = hours.filter((mean): mean is number => mean !== null);
      const input: DailyAqiInput = {
        o3_8h: eightHour.length ? Math.max(...eightHour) : null,
        o3_1h: oneHour.length ? Math.max(...oneHour) : null,
      };
      for (const key of meanKeys) input[key] = means.mean(reading.deviceId, key);
      return verdictOf(dailyAqi(input, { day: reading.timeMs }), condition.above);
    },
  };
};
