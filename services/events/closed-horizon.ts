import type { DistrictEvent } from './event-types.ts';

/**
 * Closed events are held in memory for `events.keepClosedDays`, then only in InfluxDB. Every event
 * ever made was replayed at each start and held for good (history is never trimmed: retention
 * INF), so a start read, parsed and replayed years of finished work that nothing reads through the
 * API but a search or a figure of a year. What the API, the desk and the lifecycle need are the
 * events not closed (however old), and the closed ones the figures (52 weeks), the handover (72 h)
 * and a reopen (`reopenWindowMs`) reach back to; the default keeps all of those whole.
 */
export const dayMs = 86_400_000;

/** An `events` point's time, event id and kind, as the history reads the lifecycle's marks. */
export interface LifecycleMark {
  readonly time: number;
  readonly eventId: string;
  readonly kind: string;
}

export interface HistoryToRead {
  /** Events closed before the horizon (and not reopened since): not replayed. */
  readonly leftOut: ReadonlySet<string>;
  /** The earliest opening among the events to replay: no record of theirs is older. Null: none to replay; -Infinity: no bound. */
  readonly fromMs: number | null;
}

/**
 * Which events a start replays, from their `opened`, `closed` and `reopened` marks in time order
 * (the store's points are one a millisecond, strictly increasing, so no record of an event is
 * older than its opening): an event is left out when its latest close or reopen is a close before
 * `closedSinceMs`. An open event opened years ago is replayed, and the records read reach back to it.
 */
export function historyToRead(marks: readonly LifecycleMark[], closedSinceMs: number): HistoryToRead {
  const openedAt = new Map<string, number>();
  const last = new Map<string, LifecycleMark>();
  for (const mark of marks) {
    if (mark.kind === 'opened' && !openedAt.has(mark.eventId)) openedAt.set(mark.eventId, mark.time);
    else if (mark.kind === 'closed' || mark.kind === 'reopened') last.set(mark.eventId, mark);
  }
  const leftOut = new Set<string>();
  let fromMs: number | null = null;
  for (const [eventId, time] of openedAt) {
    const latest = last.get(eventId);
    if (latest?.kind === 'closed' && latest.time < closedSinceMs) leftOut.add(eventId);
    else fromMs = Math.min(fromMs ?? time, time);
  }
  return { leftOut, fromMs };
}

/** Whether an event is closed, and was before `closedSinceMs`: past the horizon, no longer held. */
export const closedBefore = (event: Pick<DistrictEvent, 'state' | 'closedAtMs'>, closedSinceMs: number): boolean =>
  event.state === 'closed' && event.closedAtMs !== null && event.closedAtMs < closedSinceMs;

/** Forgets the events closed before `closedSinceMs` (the sweep's, while running); their ids (a cluster's leader drops them from the shared hash). */
export function forgetClosedBefore(events: Map<string, DistrictEvent>, closedSinceMs: number): string[] {
  const forgotten: string[] = [];
  for (const [id, event] of events) {
    if (closedBefore(event, closedSinceMs)) {
      events.delete(id);
      forgotten.push(id);
    }
  }
  return forgotten;
}
