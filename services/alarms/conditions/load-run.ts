import { getFamily } from '../../families/index.ts';
import type { EvaluatorFactory } from './condition.ts';

interface Run {
  startMs: number;
  lastMs: number;
  points: number;
  peak: number;
}

/**
 * 重载 / 过载 (standards.md §5, as grid-load.ts detects them afterwards): a run of readings at or
 * above the configured heavy or overload threshold, lasting `forMs` or `points` readings. A
 * gap longer than twice the report interval breaks the run, as a missing point breaks one in
 * detectLoadEvents. The load rate is the grid family's own derived field (kVA over rated kVA).
 */
export const loadRun: EvaluatorFactory<'load-run'> = (condition, context) => {
  const grid = getFamily('grid');
  const runs = new Map<string, Run>();
  const threshold = condition.level === 'heavy' ? context.gridThresholds.heavyPct : context.gridThresholds.overloadPct;
  return {
    observe(reading, device) {
      const pct = grid.derive?.(reading.values, device.attributes).load_rate_pct;
      if (pct === undefined) return null;
      let run = runs.get(device.id);
      if (run && (reading.timeMs < run.lastMs || reading.timeMs - run.lastMs > 2 * context.reportIntervalMs(device))) run = undefined;
      if (pct < threshold) {
        runs.delete(device.id);
        return { active: false, value: Math.round(pct * 10) / 10, limit: threshold };
      }
      run = run ? { ...run, lastMs: reading.timeMs, points: run.points + 1, peak: Math.max(run.peak, pct) } : { startMs: reading.timeMs, lastMs: reading.timeMs, points: 1, peak: pct };
      runs.set(device.id, run);
      const long = condition.forMs !== undefined ? run.lastMs - run.startMs >= condition.forMs : run.points >= condition.points!;
      return { active: long, value: Math.round(run.peak * 10) / 10, limit: threshold };
    },
  };
};
