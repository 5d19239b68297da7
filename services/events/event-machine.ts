import { WanxiangError } from '../errors.ts';
import type { AlarmSeverity } from '../alarms/alarm-types.ts';
import type { DistrictEvent, EventRecord, EventRecordKind, EventState } from './event-types.ts';
import { foldRejoin } from './rejoin-runs.ts';

/** From which states each change may be made (issue 23, item 2); `opened` makes a new event. */
export const allowedFrom: Record<Exclude<EventRecordKind, 'opened'>, readonly EventState[]> = {
  joined: ['open', 'dispatched', 'in_progress'],
  'alarm-closed': ['open', 'dispatched', 'in_progress', 'resolved', 'closed'],
  // A dispatched event may go to another department (re-routing) until someone has resolved it.
  dispatched: ['open', 'dispatched', 'in_progress'],
  started: ['dispatched'],
  resolved: ['dispatched', 'in_progress'],
  // Verified by an operator once resolved; an open event nobody needs to act on may be closed as it is.
  closed: ['open', 'resolved'],
  reopened: ['resolved', 'closed'],
  commented: ['open', 'dispatched', 'in_progress', 'resolved', 'closed'],
  escalated: ['dispatched', 'in_progress'],
  'severity-raised': ['open', 'dispatched', 'in_progress'],
};

const severityRank: Record<AlarmSeverity, number> = { info: 0, warning: 1, critical: 2 };
/** Whether severity `a` is more severe than `b`. */
export const outranks = (a: AlarmSeverity, b: AlarmSeverity): boolean => severityRank[a] > severityRank[b];
const worse = (a: AlarmSeverity, b: AlarmSeverity) => (outranks(b, a) ? b : a);

function clearSince(alarms: DistrictEvent['alarms'], atMs: number, previous: number | null): number | null {
  if (alarms.some((alarm) => alarm.closedAtMs === null)) return null;
  return previous ?? atMs;
}

/** Whether a change may be made to the event as it is (a WX_ERR_EVENT_STATE otherwise). */
export function canApply(event: DistrictEvent, kind: Exclude<EventRecordKind, 'opened'>): boolean {
  return allowedFrom[kind].includes(event.state);
}

/**
 * The lifecycle as a pure function: the event after one record. `opened` takes no event; every
 * other record needs one in a state it may come from. Times never run backwards on an event.
 */
export function applyEventRecord(event: DistrictEvent | undefined, record: EventRecord, id?: string): DistrictEvent {
  if (record.kind === 'opened') {
    if (event) throw new WanxiangError('WX_ERR_EVENT_STATE', `event ${event.id} exists already`);
    const { alarm } = record;
    return {
      id: id ?? `${record.family}.${record.street ?? 'district'}.${record.atMs.toString(36)}`,
      family: record.family, street: record.street, severity: alarm.severity, state: 'open',
      titleZh: alarm.textZh, titleEn: alarm.textEn, alarms: [alarm], department: null,
      openedAtMs: record.atMs, updatedAtMs: record.atMs, lastAlarmAtMs: record.atMs,
      dispatchedAtMs: null, acknowledgedAtMs: null, resolvedAtMs: null, closedAtMs: null, ackDueAtMs: null, resolveDueAtMs: null,
      clearSinceMs: null, escalations: [], reopened: 0, changes: 1, timeline: [record],
    };
  }
  if (!event) throw new WanxiangError('WX_ERR_EVENT_NOT_FOUND', `no event for a ${record.kind} record`);
  if (!canApply(event, record.kind)) {
    throw new WanxiangError('WX_ERR_EVENT_STATE', `event ${event.id} is ${event.state}; it cannot be ${record.kind}`, { value: event.state });
  }
  const atMs = Math.max(record.atMs, event.updatedAtMs);
  const base = { ...event, updatedAtMs: atMs, changes: event.changes + 1, timeline: [...event.timeline, { ...record, atMs }] };
  switch (record.kind) {
    case 'joined': {
      if (event.alarms.some((alarm) => alarm.id === record.alarm.id)) return event;
      // A stored record never has a run: it is the timeline's, worked out here (rejoin-runs.ts).
      const joined = { kind: 'joined', atMs, by: record.by, alarm: record.alarm } as const;
      const folded = foldRejoin(event, joined) ?? { timeline: [...event.timeline, joined], alarms: [...event.alarms, record.alarm] };
      return { ...base, ...folded, severity: worse(event.severity, record.alarm.severity), lastAlarmAtMs: atMs, clearSinceMs: null };
    }
    case 'alarm-closed': {
      const alarms = event.alarms.map((alarm) => (alarm.id === record.alarmId && alarm.closedAtMs === null ? { ...alarm, closedAtMs: atMs } : alarm));
      return { ...base, alarms, clearSinceMs: clearSince(alarms, atMs, event.clearSinceMs) };
    }
    case 'dispatched':
      return {
        ...base, state: 'dispatched', department: record.department, dispatchedAtMs: event.dispatchedAtMs ?? atMs,
        ackDueAtMs: record.ackDueAtMs, resolveDueAtMs: record.resolveDueAtMs, acknowledgedAtMs: null,
      };
    case 'started':
      return { ...base, state: 'in_progress', acknowledgedAtMs: atMs };
    case 'resolved':
      return { ...base, state: 'resolved', resolvedAtMs: atMs, acknowledgedAtMs: event.acknowledgedAtMs ?? atMs };
    case 'closed':
      return { ...base, state: 'closed', closedAtMs: atMs };
    case 'reopened':
      // Back to the start: routing dispatches it again, with due times from now.
      return { ...base, state: 'open', reopened: event.reopened + 1, resolvedAtMs: null, closedAtMs: null, ackDueAtMs: null, resolveDueAtMs: null, lastAlarmAtMs: atMs };
    case 'commented':
      return base;
    case 'escalated':
      return { ...base, escalations: [...event.escalations, { atMs, reason: record.reason, department: record.department, to: record.to }] };
    case 'severity-raised':
      return {
        ...base, severity: record.severity, titleZh: record.titleZh, titleEn: record.titleEn,
        ackDueAtMs: record.ackDueAtMs ?? event.ackDueAtMs, resolveDueAtMs: record.resolveDueAtMs ?? event.resolveDueAtMs,
      };
  }
}

/** An event rebuilt from its records in order (the store's replay after a restart). */
export function replayEvent(id: string, records: readonly EventRecord[]): DistrictEvent | undefined {
  let event: DistrictEvent | undefined;
  for (const record of records) event = applyEventRecord(event, record, id);
  return event;
}
