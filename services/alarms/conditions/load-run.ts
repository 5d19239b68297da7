import { getFamily } from '../../families/index.ts';
import { comesAfter, measuredByMs, type Reading } from '../../ingest/reading.ts';
import type { EvaluatorFactory } from './condition.ts';

interface Run {
  startMs: number;
  lastMs: number;
  /** The run's last reading, to tell the next one from an older one. */
  last: Pick<Reading, 'timeMs' | 'receivedAtMs'>;
  points: number;
  peak: number;
}

/**
 * 重载 / 过载 (standards.md §5, as grid-load.ts detects them afterwards): a run of readings at or
 * above the configured heavy or overload threshold, lasting `forMs` or `points` readings. A
 * gap longer than twice the report interval breaks the run, as a missing point breaks one in
 * detectLoadEvents. The load rate is the grid family's own derived field (kVA over rated kVA).
 * Readings are placed at measuredByMs: a reading stamped ahead of its receipt counts at its receipt
 * (by its stamp, each reading after it broke the run, until the device's clock caught up).
 */
export const loadRun: EvaluatorFactory<'load-run'> = (condition, context) => {
  const grid = getFamily('grid');
  const runs = new Map<string, Run>();
  const threshold = condition.level === 'heavy' ? context.gridThresholds.heavyPct : context.gridThresholds.overloadPct;
  return {
    observe(reading, device) {
      const pct = grid.derive?.(reading.values, device.attributes).load_rate_pct;
      if (pct === undefined) return null;
      const atMs = measuredByMs(reading);
      let run = runs.get(device.id);
      if (run && (!comesAfter(reading, run.last) || atMs - run.lastMs > 2 * context.reportIntervalMs(device))) run = undefined;
      if (pct < threshold) {
        runs.delete(device.id);
        return { active: false, value: Math.round(pct * 10) / 10, limit: threshold };
      }
      run = run ? { ...run, lastMs: atMs, last: reading, points: run.points + 1, peak: Math.max(run.peak, pct) } : { startMs: atMs, lastMs: atMs, last: reading, points: 1, peak: pct };
      runs.set(device.id, run);
      const long = condition.forMs !== undefined ? run.lastMs - run.startMs >= condition.forMs : run.points >= condition.points!;
      return { active: long, value: Math.round(run.peak * 10) / 10, limit: threshold };
    },
  };
};
