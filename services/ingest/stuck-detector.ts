import type { Metrics } from '../metrics/metrics.ts';
import type { Reading } from './reading.ts';

export interface StuckDetector {
  /** True when this reading repeats the device's last values `stuckAfter` times or more. */
  check(reading: Reading): boolean;
  /** Flagged readings per device since start. */
  byDevice(): Record<string, number>;
  /** The device's current run of identical readings (the alarm engine's stuck rule asks this). */
  repeats(deviceId: string): number;
  readonly stuckAfter: number;
}

/**
 * Flags a stuck sensor: the same values, every one of them, reading after reading. Real
 * air, water and grid values always jitter in their last digit, so a long run of identical
 * readings means a frozen instrument. Flagged readings are still stored (a closed car park
 * can truly repeat itself); the flag is a count for the operators.
 */
function sameValues(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  let keys = 0;
  for (const key in b) {
    if (a[key] !== b[key]) return false;
    keys += 1;
  }
  // Counted, not Object.keys(a).length: no array per reading.
  for (const _key in a) keys -= 1;
  return keys === 0;
}

export function createStuckDetector(stuckAfter: number, metrics: Metrics): StuckDetector {
  const last = new Map<string, { values: Readonly<Record<string, number>>; repeats: number }>();
  const flagged = new Map<string, number>();
  return {
    check(reading) {
      // One entry per device, updated in place: no allocation per reading.
      let previous = last.get(reading.deviceId);
      if (previous === undefined) last.set(reading.deviceId, (previous = { values: reading.values, repeats: 0 }));
      const repeats = previous.repeats > 0 && sameValues(previous.values, reading.values) ? previous.repeats + 1 : 1;
      previous.values = reading.values;
      previous.repeats = repeats;
      if (repeats < stuckAfter) return false;
      flagged.set(reading.deviceId, (flagged.get(reading.deviceId) ?? 0) + 1);
      metrics.readingsFlagged.inc({ flag: 'stuck' });
      return true;
    },
    byDevice: () => Object.fromEntries(flagged),
    repeats: (deviceId) => last.get(deviceId)?.repeats ?? 0,
    stuckAfter,
  };
}
