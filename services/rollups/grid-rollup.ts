import { detectLoadEvents, type LoadPoint } from '../standards/index.ts';
import type { Point } from '../storage/line-protocol.ts';
import { bucketRows, daySpans, meanOf, type FamilyRollup } from './rollup-types.ts';
import { deviceTags } from '../registry/device-tags.ts';

export const gridLoadMeasurement = 'grid_load_15min';
export const gridDailyMeasurement = 'grid_daily';
export const gridEventsMeasurement = 'grid_events';
const quarterMs = 15 * 60_000;
const dayMs = 86_400_000;
/** Days after the window an event starting in it is followed into. */
const eventReachDays = 2;

/** Thresholds differ between utilities; the defaults are the plan's 重载 (≥ 80 %) and overload (≥ 100 %) for ≥ 2 h. */
export interface GridThresholds {
  readonly heavyPct: number;
  readonly overloadPct: number;
  readonly minPoints: number;
}
export const defaultGridThresholds: GridThresholds = { heavyPct: 80, overloadPct: 100, minPoints: 8 };

/**
 * Grid: the 15-minute load rate per transformer, the day's hours at heavy load and
 * overload, and each sustained event (start, duration, peak) as a point of its own.
 * Events are found in the raw series from the day before to two days after the window, and each
 * belongs to the day it starts on: one that runs over midnight is one event, counted and written
 * once, with its whole duration (a run longer than that reach is cut at its end).
 */
export function createGridRollup(thresholds: GridThresholds = defaultGridThresholds): FamilyRollup {
  return {
    family: 'grid',
    rawRange: (window) => ({ fromMs: window.startMs - dayMs, toMs: window.endMs + eventReachDays * dayMs }),
    // A reading can lengthen, shorten or split an event that began one or two days before.
    alsoDirty: (day) => Array.from({ length: eventReachDays }, (_, back) => day - back - 1),
    // A reading in a day's last quarter can join an event that starts at the next midnight to the one before it:
    // the next day's window, which holds that event's point, no longer yields it.
    dirtyAheadMs: quarterMs,
    measurements: () => [gridLoadMeasurement, gridDailyMeasurement, gridEventsMeasurement],
    // An event belongs to the day it starts on, so every point of a window lies within its day.
    spans: (window) => daySpans(window, [gridLoadMeasurement, gridDailyMeasurement, gridEventsMeasurement]),
    compute(window, rowsByDevice, devices) {
      const points: Point[] = [];
      for (const device of devices) {
        const tags = deviceTags(device);
        const range = this.rawRange(window);
        const quarters = bucketRows(rowsByDevice.get(device.id) ?? [], range.fromMs, range.toMs, quarterMs);
        const around: LoadPoint[] = [];
        const series: LoadPoint[] = [];
        quarters.forEach((bucket, i) => {
          const loadRatePct = meanOf(bucket, 'load_rate_pct');
          if (loadRatePct === null) return;
          const at = range.fromMs + i * quarterMs;
          around.push({ at, loadRatePct });
          if (at < window.startMs || at >= window.endMs) return;
          series.push({ at, loadRatePct });
          points.push({ measurement: gridLoadMeasurement, tags, fields: [['load_rate_pct', loadRatePct, 'float']], timeMs: at });
        });
        if (series.length === 0) continue;
        const events = detectLoadEvents(around, { heavyPct: thresholds.heavyPct, overloadPct: thresholds.overloadPct, minPoints: thresholds.minPoints, intervalMs: quarterMs })
          .filter((event) => event.start >= window.startMs && event.start < window.endMs);
        const rates = series.map((point) => point.loadRatePct ?? 0);
        const hoursAt = (pct: number) => rates.filter((rate) => rate >= pct).length / 4;
        points.push({
          measurement: gridDailyMeasurement,
          tags,
          fields: [
            ['heavy_hours', hoursAt(thresholds.heavyPct), 'float'],
            ['overload_hours', hoursAt(thresholds.overloadPct), 'float'],
            ['max_load_pct', Math.max(...rates), 'float'],
            ['heavy_events', events.filter((event) => event.kind === 'heavy').length, 'int'],
            ['overload_events', events.filter((event) => event.kind === 'overload').length, 'int'],
            ['points', series.length, 'int'],
          ],
          timeMs: window.startMs,
        });
        for (const event of events) {
          points.push({
            measurement: gridEventsMeasurement,
            tags: { ...tags, kind: event.kind },
            fields: [['duration_min', event.durationMs / 60_000, 'float'], ['peak_pct', event.peakPct, 'float'], ['end_ms', event.end, 'int']],
            timeMs: event.start,
          });
        }
      }
      return points;
    },
  };
}
