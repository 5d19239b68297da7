import { comesAfter, measuredByMs, type Reading } from '../../ingest/reading.ts';
import type { EvaluatorFactory } from './condition.ts';

interface Window {
  /** Each reading's place in the device's stream (ingest/reading.ts measuredByMs), oldest first. */
  readonly times: number[];
  readonly values: number[];
  sum: number;
  /** The last reading counted, to tell the next one from a repeat or an older one. */
  last: Pick<Reading, 'timeMs' | 'receivedAtMs'> | null;
}

/**
 * The sum of a field over a trailing window at or above a limit (issue 25: rainfall in 3, 6 or
 * 12 h for the rainstorm signals). A field reported "per interval" adds up to the window's total;
 * a missing reading can only make the sum smaller, so a sum at the limit is at the limit whatever
 * the coverage. Work per reading is constant on average (each reading enters and leaves once);
 * a reading older than the device's latest is ignored (a replay does not add twice). A reading
 * stamped ahead of its receipt counts at its receipt: by its stamp, one reading 5 min ahead made
 * the device's next 5 min of rain "older" and left it out of every sum (red team 12).
 */
export const windowSum: EvaluatorFactory<'window-sum'> = (condition) => {
  const windows = new Map<string, Window>();
  const limit = condition.atLeast;
  return {
    observe(reading, device) {
      const value = reading.values[condition.field];
      if (value === undefined) return null;
      let window = windows.get(device.id);
      if (!window) windows.set(device.id, (window = { times: [], values: [], sum: 0, last: null }));
      if (window.last !== null && !comesAfter(reading, window.last)) return null;
      window.last = reading;
      const atMs = measuredByMs(reading);
      window.times.push(atMs);
      window.values.push(value);
      window.sum += value;
      // (t - window, t]: a reading exactly one window old has left it.
      let drop = 0;
      while (drop < window.times.length && window.times[drop]! <= atMs - condition.windowMs) {
        window.sum -= window.values[drop]!;
        drop += 1;
      }
      if (drop > 0) {
        window.times.splice(0, drop);
        window.values.splice(0, drop);
      }
      // Sums of decimals drift: a sum is kept to the field's 0.001.
      window.sum = Math.round(window.sum * 1_000) / 1_000;
      const total = Math.round(window.sum * 10) / 10;
      return { active: total >= limit, value: total, limit };
    },
  };
};
