import { BEIJING_OFFSET_MS, DAY_MS } from '../standards/beijing-time.ts';
import type { DistrictEvent, EventRecord } from './event-types.ts';
import { causeNotRecorded, type EventCause } from './resolution-causes.ts';

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
  readonly by: 'department' | 'family' | 'cause';
  readonly key: string;
  readonly dispatch: StageFigure;
  readonly acknowledge: StageFigure;
  readonly resolve: StageFigure;
}

/** One measured stage: how long it took, for the department that was asked, finished when. */
export interface StageTime {
  readonly stage: Stage;
  readonly seconds: number;
  readonly department: string;
  /** When the change that finished it was made: the figures' week, and the point's time in InfluxDB. */
  readonly atMs: number;
}

const secondsBetween = (fromMs: number, toMs: number) => Math.max(0, toMs - fromMs) / 1_000;

/**
 * The stage the change at `index` of a timeline finishes, if any, counted per cycle (an event
 * reopened, or dispatched again, goes round again and each round counts): a dispatch finishes
 * the time to dispatch when it is the first since the event opened or was reopened; a start
 * (acknowledge) and a resolution are measured from the latest dispatch before them, for the
 * department that dispatch named. The figures API, /metrics and the `events` points Grafana
 * reads all take their seconds from here, so the three agree.
 */
export function stageAt(timeline: readonly EventRecord[], index: number): StageTime | null {
  const record = timeline[index];
  if (!record) return null;
  if (record.kind === 'dispatched') {
    for (let i = index - 1; i >= 0; i -= 1) {
      const earlier = timeline[i]!;
      // A re-dispatch within the cycle is not time to dispatch again.
      if (earlier.kind === 'dispatched') return null;
      if (earlier.kind === 'opened' || earlier.kind === 'reopened') return { stage: 'dispatch', seconds: secondsBetween(earlier.atMs, record.atMs), department: record.department, atMs: record.atMs };
    }
    return null;
  }
  if (record.kind !== 'started' && record.kind !== 'resolved') return null;
  const dispatch = timeline.slice(0, index).findLast((earlier) => earlier.kind === 'dispatched');
  if (dispatch?.kind !== 'dispatched') return null;
  return { stage: record.kind === 'started' ? 'acknowledge' : 'resolve', seconds: secondsBetween(dispatch.atMs, record.atMs), department: dispatch.department, atMs: record.atMs };
}

/** Every stage an event's timeline has finished, in order. */
export const stageTimes = (event: Pick<DistrictEvent, 'timeline'>): StageTime[] => event.timeline.flatMap((_record, index) => stageAt(event.timeline, index) ?? []);

/**
 * The cause each timeline entry's round ended with: that of the first resolution at or after it
 * before the event was reopened, null while the round has none yet. A round's dispatch and start
 * count under the cause its resolution found, so a cause's figures are whole rounds.
 */
function roundCauses(timeline: readonly EventRecord[]): Array<EventCause | null> {
  const causes = new Array<EventCause | null>(timeline.length).fill(null);
  let current: EventCause | null = null;
  for (let index = timeline.length - 1; index >= 0; index -= 1) {
    const record = timeline[index]!;
    if (record.kind === 'reopened') current = null;
    if (record.kind === 'resolved') current = record.cause ?? causeNotRecorded;
    causes[index] = current;
  }
  return causes;
}

// Departments first, as the desk and Grafana read them; the causes last, a breakdown of the same rounds.
const byOrder: Record<FigureRow['by'], number> = { department: 0, family: 1, cause: 2 };

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
 * per family (issue 23, item 6), and per the cause its round's resolution found, every cycle of every event (stageAt). Each time counts in the
 * week of the change that finished it, as Grafana groups the `events` points by their time.
 * `department`: only the times of the cycles that department was sent (a department's own figures,
 * as /metrics narrows its series by the stage's department, never by where the event is now).
 */
export function responseFigures(events: readonly DistrictEvent[], range: { fromMs: number; toMs: number; department?: string }): FigureRow[] {
  const groups = new Map<string, { week: string; by: FigureRow['by']; key: string; values: Record<Stage, number[]> }>();
  for (const event of events) {
    const causes = roundCauses(event.timeline);
    for (const [index, time] of event.timeline.map((_record, at) => [at, stageAt(event.timeline, at)] as const)) {
      if (!time) continue;
      if (time.atMs < range.fromMs || time.atMs >= range.toMs) continue;
      if (range.department !== undefined && time.department !== range.department) continue;
      const week = beijingWeek(time.atMs);
      const cause = causes[index];
      const keys = [['department', time.department], ['family', event.family], ...(cause ? [['cause', cause] as const] : [])] as const;
      for (const [by, key] of keys) {
        const id = `${week}\u0000${by}\u0000${key}`;
        let group = groups.get(id);
        if (!group) groups.set(id, (group = { week, by, key, values: { dispatch: [], acknowledge: [], resolve: [] } }));
        group.values[time.stage].push(time.seconds);
      }
    }
  }
  return [...groups.values()]
    .sort((a, b) => a.week.localeCompare(b.week) || byOrder[a.by] - byOrder[b.by] || a.key.localeCompare(b.key))
    .map(({ week, by, key, values }) => ({ week, by, key, dispatch: figure(values.dispatch), acknowledge: figure(values.acknowledge), resolve: figure(values.resolve) }));
}
