import type { FamilyId } from '../families/index.ts';
import type { RuleGroups } from './alarm-groups.ts';
import type { DepartmentsFile } from './departments.ts';
import type { DistrictEvent, EventState } from './event-types.ts';

const active: readonly EventState[] = ['open', 'dispatched', 'in_progress'];

/** Where an opening alarm goes: into an ongoing event, into a recent one reopened, or a new event. */
export type Placement =
  | { readonly kind: 'join' | 'reopen'; readonly event: DistrictEvent }
  | { readonly kind: 'open' };

/** An event's group is its opening alarm's (alarm-groups.ts). */
export const eventGroup = (event: DistrictEvent, groupOf: RuleGroups) => groupOf(event.alarms[0]!.ruleId);

/**
 * Related alarms join one event (issue 23, item 2; docs/events.md): the latest event of the same
 * family, the same street (or the district, `joinScope`) and the same group of rules (the device
 * itself, or the condition it measures) takes the alarm while it is not resolved and one of its
 * alarms is still open or its latest alarm is within `joinWindowMs`; resolved or closed within
 * `reopenWindowMs`, it is reopened. An alarm of another group is not related, however close.
 */
export function placeAlarm(
  events: Iterable<DistrictEvent>,
  alarm: { readonly family: FamilyId; readonly ruleId: string },
  street: string | null,
  atMs: number,
  file: Pick<DepartmentsFile, 'joinWindowMs' | 'reopenWindowMs'>,
  groupOf: RuleGroups,
): Placement {
  const group = groupOf(alarm.ruleId);
  let related: DistrictEvent | undefined;
  for (const event of events) {
    if (event.family !== alarm.family || event.street !== street || eventGroup(event, groupOf) !== group) continue;
    if (!related || event.lastAlarmAtMs > related.lastAlarmAtMs) related = event;
  }
  if (!related) return { kind: 'open' };
  if (active.includes(related.state)) {
    const ongoing = related.alarms.some((known) => known.closedAtMs === null);
    return ongoing || atMs - related.lastAlarmAtMs <= file.joinWindowMs ? { kind: 'join', event: related } : { kind: 'open' };
  }
  const endedAt = related.resolvedAtMs ?? related.closedAtMs ?? related.updatedAtMs;
  return atMs - endedAt <= file.reopenWindowMs ? { kind: 'reopen', event: related } : { kind: 'open' };
}
