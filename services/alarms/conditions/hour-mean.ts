import { ambientLimit, chooseGb3095Phase } from '../../standards/index.ts';
import type { EvaluatorFactory } from './condition.ts';
import { createWindowMeans } from './window-means.ts';

const hourMs = 3_600_000;

/**
 * A pollutant's mean over the clock hour so far against a GB 3095 limit (the item and grade
 * named by the rule, the phase by the reading's date: GB 3095-2026 tightened PM2.5 to 60).
 * The hour so far, not the finished hour, so the alarm comes while the hour is still running.
 */
export const hourMean: EvaluatorFactory<'hour-mean'> = (condition) => {
  const means = createWindowMeans([condition.pollutant]);
  // The limit in force, kept for the clock hour (an hour lies within one Beijing day, UTC+8):
  // choosing the phase formats the Beijing date, once an hour rather than once a reading.
  let limitHour = Number.NaN;
  let limitNow = 0;
  return {
    observe(reading) {
      if (reading.values[condition.pollutant] === undefined) return null;
      const hour = Math.floor(reading.timeMs / hourMs);
      if (!means.add(reading.deviceId, hour, reading.values)) return null;
      const value = means.mean(reading.deviceId, condition.pollutant)!;
      if (hour !== limitHour) [limitHour, limitNow] = [hour, ambientLimit(condition.limit, chooseGb3095Phase(reading.timeMs), condition.grade)];
      const limit = limitNow;
      return { active: value > limit, value: Math.round(value * 10) / 10, limit };
    },
  };
};
