import { BEIJING_OFFSET_MS, DAY_MS } from '../standards/beijing-time.ts';
import type { DistrictEvent } from './event-types.ts';

/** The response stages the figures measure (docs/events.md): who was quick, and who was not. */
export type Stage = 'dispatch' | 'acknowledge' | 'resolve';
export const stages = ['dispatch', 'acknowledge', 'resolve'] as const satisfies readonly Stage[];

export interface StageFigure {
  readonly count: number;
  /** Seconds; null with no event. */
  readonly medianS: number | null;
  readonly p90S: number | null;
}

export interface FigureRow {
  /** The Monday (Beijing date) the week starts on. */
  readonly week: string;
  readonly by: 'department' | 'family';
  readonly key: string;
  readonly dispatch: StageFigure;
  readonly acknowledge: StageFigure;
  readonly resolve: StageFigure;
}

/** Seconds each stage took: opened → dispatched, dispatched → started, dispatched → resolved. */
export function stageSeconds(event: DistrictEvent): Record<Stage, number | null> {
  const since = (from: number | null, to: number | null) => (from === null || to === null ? null : Math.max(0, to - from) / 1_000);
  return {
    dispatch: since(event.openedAtMs, event.dispatchedAtMs),
    acknowledge: since(event.dispatchedAtMs, event.acknowledgedAtMs),
    resolve: since(event.dispatchedAtMs, event.resolvedAtMs),
  };
}

/** Nearest-rank percentile (the figure is one of the times measured, never between two). */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The Beijing Monday of the week an instant falls in, as YYYY-MM-DD (ISO 8601 weeks start on Monday). */
export function beijingWeek(timeMs: number): string {
  const day = Math.floor((timeMs + BEIJING_OFFSET_MS) / DAY_MS);
  // Day 0 (1970-01-01) was a Thursday: Monday is three days before it.
  const monday = day - ((day + 3) % 7);
  return new Date(monday * DAY_MS).toISOString().slice(0, 10);
}

function figure(values: number[]): StageFigure {
  const sorted = values.sort((a, b) => a - b);
  return { count: sorted.length, medianS: percentile(sorted, 50), p90S: percentile(sorted, 90) };
}

/**
 * Median and p90 per week of the time to dispatch, acknowledge and resolve, per department and
 * per family (issue 23, item 6). An event counts in the week it was opened.
 */
export function responseFigures(events: readonly DistrictEvent[], range: { fromMs: number; toMs: number }): FigureRow[] {
  const groups = new Map<string, { week: string; by: 'department' | 'family'; key: string; values: Record<Stage, number[]> }>();
  for (const event of events) {
    if (event.openedAtMs < range.fromMs || event.openedAtMs >= range.toMs) continue;
    const week = beijingWeek(event.openedAtMs);
    const seconds = stageSeconds(event);
    for (const [by, key] of [['department', event.department ?? 'none'], ['family', event.family]] as const) {
      const id = `${week}\u0000${by}\u0000${key}`;
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { week, by, key, values: { dispatch: [], acknowledge: [], resolve: [] } }));
      for (const stage of stages) if (seconds[stage] !== null) group.values[stage].push(seconds[stage]);
    }
  }
  return [...groups.values()]
    .sort((a, b) => a.week.localeCompare(b.week) || a.by.localeCompare(b.by) || a.key.localeCompare(b.key))
    .map(({ week, by, key, values }) => ({ week, by, key, dispatch: figure(values.dispatch), acknowledge: figure(values.acknowledge), resolve: figure(values.resolve) }));
}
