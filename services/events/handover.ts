import { isOverdue } from './event-engine.ts';
import type { DistrictEvent } from './event-types.ts';

export interface Handover {
  readonly fromMs: number;
  readonly toMs: number;
  /** Opened during the shift. */
  readonly opened: readonly DistrictEvent[];
  /** Closed during the shift. */
  readonly closed: readonly DistrictEvent[];
  /** Not closed at the end of the shift: what the next shift takes over. */
  readonly stillOpen: readonly DistrictEvent[];
  /** Of those, past a due time or escalated since their last dispatch. */
  readonly overdue: readonly DistrictEvent[];
}

/** The shift handover summary (issue 23, item 5): what happened this shift and what is left. */
export function shiftHandover(events: readonly DistrictEvent[], fromMs: number, toMs: number): Handover {
  const within = (at: number | null) => at !== null && at >= fromMs && at < toMs;
  const stillOpen = events.filter((event) => event.state !== 'closed' && event.openedAtMs < toMs);
  return {
    fromMs, toMs,
    opened: events.filter((event) => within(event.openedAtMs)),
    closed: events.filter((event) => event.state === 'closed' && within(event.closedAtMs)),
    stillOpen,
    overdue: stillOpen.filter((event) => isOverdue(event, toMs)),
  };
}
