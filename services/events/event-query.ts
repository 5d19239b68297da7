import type { DistrictEvent, EventState } from './event-types.ts';
import { eventCause } from './event-cause.ts';
import type { EventCause } from './resolution-causes.ts';

export interface EventQuery {
  readonly state?: EventState;
  readonly department?: string;
  readonly family?: string;
  readonly street?: string;
  /** Only events whose resolution names this cause (`not-recorded`: resolved before causes were kept). */
  readonly cause?: EventCause;
  /** Only events past a due time, or escalated. */
  readonly overdue?: boolean;
  /** Words in the title, id, device or timeline notes. */
  readonly search?: string;
  readonly fromMs?: number;
  readonly toMs?: number;
}

const lastDispatchAt = (event: DistrictEvent) => event.timeline.findLast((record) => record.kind === 'dispatched')?.atMs ?? Infinity;

/**
 * Whether an event is late now: past a due time it has not met, or escalated since its last
 * dispatch. An escalation of an earlier round is history, not lateness: a dispatch starts the
 * clock again, as it does for escalation (red team, events pass: an escalated event sent on, or
 * reopened and routed afresh, stayed ⚠ overdue on the desk and in the wall's count for good).
 */
export function isOverdue(event: DistrictEvent, atMs: number): boolean {
  if (event.state === 'dispatched' && event.ackDueAtMs !== null && atMs >= event.ackDueAtMs) return true;
  if ((event.state === 'dispatched' || event.state === 'in_progress') && event.resolveDueAtMs !== null && atMs >= event.resolveDueAtMs) return true;
  // Resolved or closed, an event is late no more, whatever its round's escalations.
  if (event.state !== 'dispatched' && event.state !== 'in_progress') return false;
  const since = lastDispatchAt(event);
  return event.escalations.some((escalation) => escalation.atMs >= since);
}

/** The events a query asks for, newest change first. */
export function filterEvents(events: readonly DistrictEvent[], query: EventQuery, atMs: number): DistrictEvent[] {
  const words = query.search?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
  return events.filter((event) => {
    if (query.state && event.state !== query.state) return false;
    if (query.department && event.department !== query.department) return false;
    if (query.family && event.family !== query.family) return false;
    if (query.street && event.street !== query.street) return false;
    if (query.overdue && !isOverdue(event, atMs)) return false;
    if (query.cause && eventCause(event) !== query.cause) return false;
    if (query.fromMs !== undefined && (event.closedAtMs ?? Infinity) < query.fromMs) return false;
    if (query.toMs !== undefined && event.openedAtMs >= query.toMs) return false;
    if (words.length === 0) return true;
    const text = [event.id, event.titleZh, event.titleEn, event.department ?? '', event.street ?? '', ...event.alarms.map((alarm) => alarm.deviceId),
      ...event.timeline.map((record) => ('note' in record ? `${record.by} ${record.note}` : record.by))].join(' ').toLowerCase();
    return words.every((word) => text.includes(word));
  }).sort((a, b) => b.updatedAtMs - a.updatedAtMs);
}

