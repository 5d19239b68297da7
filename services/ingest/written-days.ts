import type { BatchEntry } from '../storage/batch-entry.ts';
import { beijingDayNumber } from '../standards/beijing-time.ts';

/** The integer of `line` from `start` to `end` (a line's timestamp: digits, maybe a minus), without a substring. */
function integerAt(line: string, start: number, end: number): number {
  const negative = line.charCodeAt(start) === 45; // '-'
  let value = 0;
  for (let at = negative ? start + 1 : start; at < end; at += 1) value = value * 10 + (line.charCodeAt(at) - 48);
  return negative ? -value : value;
}

/**
 * Calls `visit` once for each family and Beijing day the lines of a written batch fall on, with the
 * time of one of its lines. The rollups read the raw readings back from InfluxDB, so a day is due
 * again once its readings are written, not only once they are accepted into the spool: readings an
 * earlier run left there, and the last ones a rollup run read the day before the writer had them
 * (rollups-of-written-readings.test.ts). Lines are read from the end, each time after the line's last
 * space (line-protocol.ts writes it so), without a string a line: the drainer writes tens of
 * thousands of lines a second.
 */
export function forEachWrittenDay(batch: readonly BatchEntry[], visit: (family: string, timeMs: number) => void): void {
  let seen: Set<string> | undefined;
  let lastFamily: string | undefined;
  let lastDay = Number.NaN;
  for (const entry of batch) {
    const { family, line } = entry;
    if (family === undefined) continue; // not a reading (device status)
    for (let end = line.length; end > 0; ) {
      const space = line.lastIndexOf(' ', end - 1);
      if (space < 0) break;
      const timeMs = integerAt(line, space + 1, end);
      const day = beijingDayNumber(timeMs);
      if (day !== lastDay || family !== lastFamily) {
        lastDay = day;
        lastFamily = family;
        const key = `${family}|${day}`;
        if (!(seen ??= new Set()).has(key)) {
          seen.add(key);
          visit(family, timeMs);
        }
      }
      // A line alone (a one-reading message, the common case) has no line before it to look for.
      end = entry.readings === undefined || entry.readings === 1 ? -1 : line.lastIndexOf('\n', space);
    }
  }
}
