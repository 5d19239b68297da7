import type { Logger } from 'pino';
import type { AlarmChange } from '../alarms/alarm-types.ts';
import type { WebhookNotifier } from '../alarms/webhook-notifier.ts';
import { WanxiangError } from '../errors.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { RuleGroups } from './alarm-groups.ts';
import { routeEvent, type Department, type DepartmentsFile } from './departments.ts';
import { placeAlarm } from './event-joining.ts';
import { forgetClosedBefore } from './closed-horizon.ts';
import { assertRoomForComment } from './comment-limit.ts';
import { applyEventRecord, outranks, replayEvent } from './event-machine.ts';
import type { EventMetrics } from './event-metrics.ts';
import { eventNoticeBody, noticeKinds } from './event-notices.ts';
import { stageAt } from './figures.ts';
import type { EventStore } from './event-store.ts';
import type { DistrictEvent, EventAlarm, EventRecord } from './event-types.ts';
import { requireCause, type ResolutionCause } from './resolution-causes.ts';
import { filterEvents, type EventQuery } from './event-query.ts';

export { filterEvents, isOverdue, type EventQuery } from './event-query.ts';
import { assertSomeoneElseCloses } from './four-eyes.ts';

/** What a person asks of an event (the API's actions); `by` is always the credential's name. */
export type EventAction =
  | { readonly kind: 'dispatch'; readonly department?: string; readonly note: string }
  | { readonly kind: 'resolve'; readonly note: string; readonly cause: ResolutionCause }
  | { readonly kind: 'start' | 'close' | 'reopen' | 'comment'; readonly note: string };

export interface EventEngineDeps {
  readonly departments: DepartmentsFile;
  readonly registry: Pick<DeviceRegistry, 'device'>;
  /** The group of an alarm's rule (alarm-groups.ts): only alarms of one group join one event. */
  readonly groupOf: RuleGroups;
  /** The clock every time of the lifecycle runs on: due times, escalation and the condition's hold (tests move it). */
  readonly now: () => number;
  readonly log: Logger;
  readonly store?: EventStore;
  readonly notifier?: Pick<WebhookNotifier, 'send'>;
  readonly metrics?: EventMetrics;
  /** How often due times and holds are checked; 0: only when sweep() is called. */
  readonly sweepIntervalMs?: number;
  /** Closed events are held this long after their close, then only in InfluxDB (closed-horizon.ts); every event for good when absent. */
  readonly keepClosedMs?: number;
  /** events.closeBySomeoneElse: the person who resolved an event may not verify and close it (four-eyes.ts). */
  readonly closeBySomeoneElse?: boolean;
}

/** Events as the API, the duty desk and tests see them: one node's engine, or a cluster's replica. */
export interface EventService {
  readonly departments: DepartmentsFile;
  /** How long closed events are held after their close (events.keepClosedDays); absent: every event, for good. */
  readonly keepClosedMs?: number;
  list(query?: EventQuery): DistrictEvent[];
  get(id: string): DistrictEvent | undefined;
  /** Throws (or rejects with) WX_ERR_EVENT_NOT_FOUND / WX_ERR_EVENT_STATE / WX_ERR_UNKNOWN_DEPARTMENT; a cluster follower asks the leader. */
  act(id: string, action: EventAction, by: string): DistrictEvent | Promise<DistrictEvent>;
  /** Resolves once every record made so far is on disk (the store's journal); rejects with WX_ERR_HISTORY_NOT_DURABLE. */
  persisted(): Promise<void>;
  /** Due times (escalation) and holds (closing once clear): the timer's work, callable from tests. */
  sweep(): void;
  onChange(listener: (event: DistrictEvent, record: EventRecord) => void): () => void;
}

export interface EventEngine extends EventService {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Every alarm change passes here: an opening opens or joins an event, a closing is noted on it. */
  onAlarmChange(change: AlarmChange): void;
  act(id: string, action: EventAction, by: string): DistrictEvent;
}

const system = 'system';

const lastDispatchAt = (event: DistrictEvent) => event.timeline.findLast((record) => record.kind === 'dispatched')?.atMs ?? Infinity;

/** Events from alarms, their routing, due times, escalation and closing (issue 23, items 2-4). */
export function createEventEngine(deps: EventEngineDeps): EventEngine {
  const events = new Map<string, DistrictEvent>();
  const listeners = new Set<(event: DistrictEvent, record: EventRecord) => void>();
  const departments = new Map(deps.departments.departments.map((department) => [department.id, department]));
  let timer: NodeJS.Timeout | undefined;

  function notify(event: DistrictEvent, record: EventRecord): void {
    if (!deps.notifier || !noticeKinds.has(record.kind)) return;
    const targets: Department[] = [];
    const own = event.department ? departments.get(event.department) : undefined;
    // An escalation goes to the next level; the late department hears of it too.
    if (record.kind === 'escalated' && record.to) targets.push(departments.get(record.to)!);
    if (own) targets.push(own);
    for (const department of targets) {
      if (department.webhook) deps.notifier.send(department.webhook, eventNoticeBody(department.webhook.style, event, record, department), event.id, record.kind);
    }
  }

  function commit(previous: DistrictEvent | undefined, record: EventRecord, id?: string): DistrictEvent {
    const event = applyEventRecord(previous, record, id);
    if (event === previous) return event;
    events.set(event.id, event);
    // Departments hear of a change once it is kept (on disk or in InfluxDB), in order: told before,
    // a crash ahead of the journal's flush told them of a change that was gone at the restart.
    const tell = () => notify(event, record);
    // The record as made (its time never before the event's last), never the timeline's entry: a
    // run's entry (rejoin-runs.ts) is the timeline's reading of the records, worked out again at replay.
    if (deps.store) deps.store.record(event, { ...record, atMs: event.updatedAtMs }, tell);
    else tell();
    deps.metrics?.changes.inc({ kind: record.kind });
    observeFigures(event, record);
    for (const listener of listeners) {
      try {
        listener(event, record);
      } catch (error) {
        deps.log.error({ err: error, event: event.id }, 'event listener failed');
      }
    }
    return event;
  }

  /** The same seconds, per cycle, as the figures API and the `events` points (figures.ts stageAt). */
  function observeFigures(event: DistrictEvent, record: EventRecord): void {
    if (!deps.metrics) return;
    const time = stageAt(event.timeline, event.timeline.length - 1);
    if (time) deps.metrics.responseSeconds.observe({ stage: time.stage, department: time.department, family: event.family }, time.seconds);
    if (record.kind === 'escalated') deps.metrics.escalations.inc({ department: record.department, reason: record.reason });
  }

  function requireDepartment(id: string): Department {
    const department = departments.get(id);
    if (!department) throw new WanxiangError('WX_ERR_UNKNOWN_DEPARTMENT', `no department ${id} in the departments file`, { value: id });
    return department;
  }

  function dispatch(event: DistrictEvent, departmentId: string, by: string, note: string): DistrictEvent {
    requireDepartment(departmentId);
    const at = deps.now();
    const due = deps.departments.dueTimes[event.severity];
    return commit(event, { kind: 'dispatched', atMs: at, by, department: departmentId, ackDueAtMs: at + due.ackMs, resolveDueAtMs: at + due.resolveMs, note });
  }

  /** Routing as data: the first matching route's department, by the system, at once. */
  function route(event: DistrictEvent): DistrictEvent {
    const department = routeEvent(deps.departments, event);
    if (!department) return event;
    return dispatch(event, department, system, 'routed by the departments file');
  }

  function newId(family: string, street: string | null, at: number): string {
    const base = `ev-${family}-${street ?? 'district'}-${at.toString(36)}`;
    let id = base;
    for (let n = 2; events.has(id); n += 1) id = `${base}-${n}`;
    return id;
  }

  /**
   * The alarm joins the event; a more severe one raises the event's severity and title, and its
   * due times by the new severity from the latest dispatch; the department hears of it (notify).
   */
  function join(event: DistrictEvent, alarm: EventAlarm, at: number): DistrictEvent {
    const joined = commit(event, { kind: 'joined', atMs: at, by: system, alarm });
    if (joined === event || !outranks(alarm.severity, event.severity)) return joined;
    const dispatchedAt = joined.state === 'dispatched' || joined.state === 'in_progress' ? lastDispatchAt(joined) : null;
    const due = deps.departments.dueTimes[alarm.severity];
    return commit(joined, {
      kind: 'severity-raised', atMs: at, by: system, alarmId: alarm.id, from: event.severity, severity: alarm.severity, titleZh: alarm.textZh, titleEn: alarm.textEn,
      ackDueAtMs: dispatchedAt === null ? null : dispatchedAt + due.ackMs, resolveDueAtMs: dispatchedAt === null ? null : dispatchedAt + due.resolveMs,
    });
  }

  function alarmOpened(change: AlarmChange): void {
    const { alarm } = change;
    const device = deps.registry.device(alarm.deviceId);
    const scope = deps.departments.joinScope[alarm.family];
    const street = scope === 'district' ? null : (device?.street ?? null);
    const at = deps.now();
    const entry: EventAlarm = { id: alarm.id, ruleId: alarm.ruleId, deviceId: alarm.deviceId, severity: alarm.severity, textZh: alarm.textZh, textEn: alarm.textEn, openedAtMs: alarm.openedAtMs, closedAtMs: null };
    if ([...events.values()].some((event) => event.alarms.some((known) => known.id === alarm.id))) return;
    const placement = placeAlarm(events.values(), alarm, street, at, deps.departments, deps.groupOf);
    if (placement.kind === 'join') {
      join(placement.event, entry, at);
    } else if (placement.kind === 'reopen') {
      const reopened = commit(placement.event, { kind: 'reopened', atMs: at, by: system, note: `recurred: ${alarm.id}` });
      route(join(reopened, entry, at));
    } else {
      route(commit(undefined, { kind: 'opened', atMs: at, by: system, family: alarm.family, street, alarm: entry }, newId(alarm.family, street, at)));
    }
  }

  function alarmClosed(change: AlarmChange): void {
    for (const event of events.values()) {
      if (event.alarms.some((known) => known.id === change.alarm.id && known.closedAtMs === null)) {
        commit(event, { kind: 'alarm-closed', atMs: deps.now(), by: system, alarmId: change.alarm.id });
      }
    }
  }

  function escalate(event: DistrictEvent, reason: 'not-acknowledged' | 'not-resolved', at: number): DistrictEvent {
    const department = event.department ?? 'none';
    return commit(event, { kind: 'escalated', atMs: at, by: system, reason, department, to: departments.get(department)?.escalateTo ?? null });
  }

  function sweepOne(event: DistrictEvent, at: number): void {
    let current = event;
    const since = lastDispatchAt(current);
    const escalatedFor = (reason: string) => current.escalations.some((entry) => entry.reason === reason && entry.atMs >= since);
    if (current.state === 'dispatched' && current.ackDueAtMs !== null && at >= current.ackDueAtMs && !escalatedFor('not-acknowledged')) current = escalate(current, 'not-acknowledged', at);
    if ((current.state === 'dispatched' || current.state === 'in_progress') && current.resolveDueAtMs !== null && at >= current.resolveDueAtMs && !escalatedFor('not-resolved')) current = escalate(current, 'not-resolved', at);
    // Closed by the condition staying clear for the hold time after the resolution (item 2).
    if (current.state === 'resolved' && current.clearSinceMs !== null && at - Math.max(current.clearSinceMs, current.resolvedAtMs ?? 0) >= deps.departments.closeHoldMs) {
      commit(current, { kind: 'closed', atMs: at, by: system, note: `every alarm clear for ${Math.round(deps.departments.closeHoldMs / 60_000)} min` });
    }
  }

  const verbs = { start: 'started', close: 'closed', reopen: 'reopened', comment: 'commented' } as const;

  const closedSince = () => deps.now() - deps.keepClosedMs!;

  const engine: EventEngine = {
    departments: deps.departments,
    ...(deps.keepClosedMs === undefined ? {} : { keepClosedMs: deps.keepClosedMs }),
    onAlarmChange(change) {
      try {
        if (change.kind === 'opened') alarmOpened(change);
        else if (change.kind === 'closed') alarmClosed(change);
      } catch (error) {
        deps.log.error({ err: error, alarm: change.alarm.id }, 'alarm change not taken into events');
      }
    },
    persisted: () => deps.store?.persisted() ?? Promise.resolve(),
    act(id, action, by) {
      const event = events.get(id);
      if (!event) throw new WanxiangError('WX_ERR_EVENT_NOT_FOUND', `no event ${id}`, { value: id });
      if (action.kind === 'dispatch') {
        const department = action.department ?? routeEvent(deps.departments, event);
        if (!department) throw new WanxiangError('WX_ERR_UNKNOWN_DEPARTMENT', `no route for event ${id}: name a department`);
        if (!['open', 'dispatched', 'in_progress'].includes(event.state)) throw new WanxiangError('WX_ERR_EVENT_STATE', `event ${id} is ${event.state}; it cannot be dispatched`, { value: event.state });
        return dispatch(event, department, by, action.note);
      }
      if (action.kind === 'comment') assertRoomForComment(event);
      // Checked here, not only by the API: a cluster's leader takes actions from followers' messages.
      if (action.kind === 'resolve') return commit(event, { kind: 'resolved', atMs: deps.now(), by, note: action.note, cause: requireCause(action.cause) });
      if (action.kind === 'close' && deps.closeBySomeoneElse) assertSomeoneElseCloses(event, by);
      const next = commit(event, { kind: verbs[action.kind], atMs: deps.now(), by, note: action.note });
      return action.kind === 'reopen' ? route(next) : next;
    },
    list: (query = {}) => filterEvents([...events.values()], query, deps.now()),
    get: (id) => events.get(id),
    sweep() {
      const at = deps.now();
      for (const event of [...events.values()]) {
        try {
          sweepOne(event, at);
        } catch (error) {
          deps.log.error({ err: error, event: event.id }, 'event sweep failed');
        }
      }
      if (deps.keepClosedMs !== undefined) forgetClosedBefore(events, closedSince());
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      const horizon = deps.keepClosedMs === undefined ? {} : { closedSinceMs: closedSince() };
      for (const [id, records] of (await deps.store?.restore(horizon)) ?? new Map<string, EventRecord[]>()) {
        try {
          const event = replayEvent(id, records);
          if (event) events.set(id, event);
        } catch (error) {
          deps.log.error({ err: error, event: id }, 'event history does not replay; left out');
        }
      }
      if (deps.sweepIntervalMs) {
        timer = setInterval(() => engine.sweep(), deps.sweepIntervalMs);
        timer.unref();
      }
    },
    async close() {
      clearInterval(timer);
      timer = undefined;
      await deps.store?.close();
    },
  };
  return engine;
}
