import { describe, expect, it } from 'vitest';
import type { Alarm, AlarmChange } from '../../../services/alarms/alarm-types.ts';
import { loadAlarmRules } from '../../../services/alarms/load-rules.ts';
import { ruleGroups } from '../../../services/events/alarm-groups.ts';
import { loadDepartments } from '../../../services/events/departments.ts';
import { createEventEngine } from '../../../services/events/event-engine.ts';
import type { EventRecord } from '../../../services/events/event-types.ts';
import { createLogger } from '../../../services/log.ts';

const seed = new URL('../../../seeds/departments.json', import.meta.url).pathname;
const rulesSeed = new URL('../../../seeds/alarm-rules.json', import.meta.url).pathname;
const streets: Record<string, string> = { 'air-guiyuan': 'guiyuan', 'air-huangbei': 'huangbei', 'noise-a': 'huangbei', 'noise-b': 'huangbei', 'noise-c': 'dongmen' };
const minute = 60_000;

function alarm(id: string, deviceId: string, family: Alarm['family'] = 'air', severity: Alarm['severity'] = 'warning', ruleId = `${family}-rule`): Alarm {
  return {
    id, ruleId, family, deviceId, severity, state: 'open', textZh: id, textEn: id, value: 1, limit: 0,
    openedAtMs: 0, updatedAtMs: 0, acknowledgedAtMs: null, acknowledgedBy: null, closedAtMs: null, notes: [],
  };
}
const opened = (a: Alarm): AlarmChange => ({ kind: 'opened', alarm: a });
const closed = (a: Alarm): AlarmChange => ({ kind: 'closed', alarm: { ...a, state: 'closed' } });

/** The engine on a clock the test moves, with a notifier that keeps what it is asked to send. */
async function engineAt() {
  let now = Date.UTC(2026, 0, 5, 1);
  const sent: Array<{ url: string; kind: string }> = [];
  const records: EventRecord[] = [];
  const departments = await loadDepartments(seed);
  const withHooks = { ...departments, departments: departments.departments.map((department) => ({ ...department, webhook: { url: `http://hooks.example/${department.id}`, style: 'json' as const } })) };
  const engine = createEventEngine({
    departments: withHooks,
    registry: { device: (id: string) => (streets[id] ? { street: streets[id] } as never : undefined) },
    groupOf: ruleGroups((await loadAlarmRules(rulesSeed)).rules),
    now: () => now,
    log: createLogger('silent'),
    notifier: { send: (target, _body, _id, kind) => sent.push({ url: target.url, kind }) },
  });
  engine.onChange((_event, record) => records.push(record));
  return { engine, sent, records, advance: (ms: number) => { now += ms; } };
}

describe('the event engine on an injected clock (issue 23, items 2-4)', () => {
  it('joins related alarms within the window, by street for noise and district-wide for air; a later one opens a new event', async () => {
    const { engine, advance } = await engineAt();
    engine.onAlarmChange(opened(alarm('n1', 'noise-a', 'noise')));
    advance(10 * minute);
    engine.onAlarmChange(opened(alarm('n2', 'noise-b', 'noise')));
    engine.onAlarmChange(opened(alarm('n3', 'noise-c', 'noise')));
    const noise = engine.list({ family: 'noise' });
    expect(noise.map((event) => [event.street, event.alarms.length, event.department]).sort()).toEqual([['dongmen', 1, 'street-dongmen'], ['huangbei', 2, 'street-huangbei']]);
    engine.onAlarmChange(closed(alarm('n1', 'noise-a', 'noise')));
    engine.onAlarmChange(closed(alarm('n2', 'noise-b', 'noise')));
    advance(31 * minute);
    engine.onAlarmChange(opened(alarm('n4', 'noise-a', 'noise')));
    expect(engine.list({ street: 'huangbei' })).toHaveLength(2);
    engine.onAlarmChange(opened(alarm('a1', 'air-guiyuan')));
    engine.onAlarmChange(opened(alarm('a2', 'air-huangbei')));
    expect(engine.list({ family: 'air' })).toMatchObject([{ street: null, department: 'eco-env', alarms: [{ id: 'a1' }, { id: 'a2' }] }]);
  });

  it('keeps a device’s silence and a pollution episode apart: alarms of another group of rules are not related', async () => {
    const { engine, sent } = await engineAt();
    engine.onAlarmChange(opened(alarm('s1', 'air-guiyuan', 'air', 'warning', 'device-silent')));
    engine.onAlarmChange(opened(alarm('q1', 'air-huangbei', 'air', 'warning', 'air-aqi-realtime')));
    engine.onAlarmChange(opened(alarm('q2', 'air-guiyuan', 'air', 'warning', 'air-pm25-hour')));
    engine.onAlarmChange(opened(alarm('s2', 'air-huangbei', 'air', 'info', 'sensor-stuck')));
    const air = engine.list({ family: 'air' }).map((event) => event.alarms.map((entry) => entry.id));
    expect(air.sort()).toEqual([['q1', 'q2'], ['s1', 's2']]);
    // Each event was dispatched on its own: the bureau heard of the episode.
    expect(sent.filter((entry) => entry.kind === 'dispatched')).toHaveLength(2);
  });

  it('raises an event’s severity, title and due times when a more severe alarm joins, and tells the department', async () => {
    const { engine, sent, advance } = await engineAt();
    engine.onAlarmChange(opened({ ...alarm('c1', 'noise-a', 'noise', 'warning'), textZh: '警戒', textEn: 'caution' }));
    const [event] = engine.list();
    expect(event).toMatchObject({ severity: 'warning', department: 'street-huangbei', ackDueAtMs: event!.dispatchedAtMs! + 30 * minute });
    advance(5 * minute);
    engine.onAlarmChange(opened({ ...alarm('c2', 'noise-b', 'noise', 'critical'), textZh: '严重', textEn: 'severe' }));
    const raised = engine.get(event!.id)!;
    expect(raised).toMatchObject({ severity: 'critical', titleZh: '严重', titleEn: 'severe', department: 'street-huangbei' });
    // Due times by the new severity, counted from the dispatch: 10 min to start, 4 h to resolve.
    expect(raised.ackDueAtMs).toBe(event!.dispatchedAtMs! + 10 * minute);
    expect(raised.resolveDueAtMs).toBe(event!.dispatchedAtMs! + 4 * 60 * minute);
    expect(raised.timeline.slice(-2)).toMatchObject([{ kind: 'joined' }, { kind: 'severity-raised', from: 'warning', severity: 'critical', alarmId: 'c2' }]);
    expect(sent.at(-1)).toEqual({ url: 'http://hooks.example/street-huangbei', kind: 'severity-raised' });
    // A join that is no more severe changes neither, and nobody is told.
    engine.onAlarmChange(opened(alarm('c3', 'noise-b', 'noise', 'warning')));
    expect(engine.get(event!.id)).toMatchObject({ severity: 'critical', titleZh: '严重' });
    expect(sent.filter((entry) => entry.kind === 'severity-raised')).toHaveLength(1);
    advance(6 * minute);
    engine.sweep();
    expect(engine.get(event!.id)!.escalations).toMatchObject([{ reason: 'not-acknowledged', department: 'street-huangbei' }]);
  });

  it('escalates once per lateness to the next level, and again after a re-dispatch', async () => {
    const { engine, sent, advance } = await engineAt();
    engine.onAlarmChange(opened(alarm('w1', 'noise-c', 'noise', 'critical')));
    const [event] = engine.list();
    expect(event).toMatchObject({ department: 'eco-env', state: 'dispatched' });
    expect(sent).toEqual([{ url: 'http://hooks.example/eco-env', kind: 'dispatched' }]);
    advance(9 * minute);
    engine.sweep();
    expect(engine.get(event!.id)!.escalations).toEqual([]);
    advance(2 * minute);
    engine.sweep();
    engine.sweep();
    expect(engine.get(event!.id)!.escalations).toMatchObject([{ reason: 'not-acknowledged', department: 'eco-env', to: 'district-command' }]);
    expect(sent.filter((entry) => entry.kind === 'escalated').map((entry) => entry.url)).toEqual(['http://hooks.example/district-command', 'http://hooks.example/eco-env']);
    engine.act(event!.id, { kind: 'start', note: '' }, 'li.na');
    advance(4 * 60 * minute);
    engine.sweep();
    expect(engine.get(event!.id)!.escalations.map((entry) => entry.reason)).toEqual(['not-acknowledged', 'not-resolved']);
    // A street office that is late goes to urban management.
    engine.act(event!.id, { kind: 'dispatch', department: 'street-dongmen', note: 'theirs' }, 'zhang.wei');
    advance(11 * minute);
    engine.sweep();
    expect(engine.get(event!.id)!.escalations.at(-1)).toMatchObject({ reason: 'not-acknowledged', department: 'street-dongmen', to: 'urban-mgmt' });
  });

  it('closes a resolved event by itself once its alarms stay clear for the hold time, and reopens it when it recurs', async () => {
    const { engine, advance, records } = await engineAt();
    const a = alarm('p1', 'air-guiyuan');
    engine.onAlarmChange(opened(a));
    const [event] = engine.list();
    engine.act(event!.id, { kind: 'resolve', note: 'sites watered', cause: 'real-exceedance' }, 'li.na');
    advance(30 * minute);
    engine.sweep();
    expect(engine.get(event!.id)!.state).toBe('resolved');
    engine.onAlarmChange(closed(a));
    advance(59 * minute);
    engine.sweep();
    expect(engine.get(event!.id)!.state).toBe('resolved');
    advance(2 * minute);
    engine.sweep();
    expect(engine.get(event!.id)).toMatchObject({ state: 'closed' });
    expect(records.at(-1)).toMatchObject({ kind: 'closed', by: 'system' });
    advance(3 * 60 * minute);
    engine.onAlarmChange(opened(alarm('p2', 'air-huangbei')));
    expect(engine.list()).toHaveLength(1);
    expect(engine.get(event!.id)).toMatchObject({ state: 'dispatched', reopened: 1, department: 'eco-env' });
    // Beyond the reopen window a recurrence is a new event.
    engine.act(event!.id, { kind: 'resolve', note: 'again', cause: 'real-exceedance' }, 'li.na');
    advance(25 * 60 * minute);
    engine.onAlarmChange(opened(alarm('p3', 'air-huangbei')));
    expect(engine.list()).toHaveLength(2);
  });

  it('refuses an unknown department and an unknown event with their codes', async () => {
    const { engine } = await engineAt();
    engine.onAlarmChange(opened(alarm('q1', 'air-guiyuan')));
    const [event] = engine.list();
    expect(() => engine.act(event!.id, { kind: 'dispatch', department: 'nobody', note: '' }, 'zhang.wei')).toThrow(expect.objectContaining({ code: 'WX_ERR_UNKNOWN_DEPARTMENT' }));
    expect(() => engine.act('nope', { kind: 'comment', note: 'x' }, 'zhang.wei')).toThrow(expect.objectContaining({ code: 'WX_ERR_EVENT_NOT_FOUND' }));
    expect(engine.list({ search: 'q1 eco-env' })).toHaveLength(1);
    expect(engine.list({ search: 'nothing-like-it' })).toHaveLength(0);
  });

  it('checks a resolution’s cause and, with closeBySomeoneElse, who closes, in the engine itself (a cluster leader takes followers’ actions unchecked by their API)', async () => {
    const { engine } = await engineAt();
    engine.onAlarmChange(opened(alarm('r1', 'air-guiyuan')));
    const [event] = engine.list();
    expect(() => engine.act(event!.id, { kind: 'resolve', note: 'x', cause: 'weather' as never }, 'li.na')).toThrow(expect.objectContaining({ code: 'WX_ERR_UNKNOWN_CAUSE', value: 'weather' }));
    expect(() => engine.act(event!.id, { kind: 'resolve', note: 'x' } as never, 'li.na')).toThrow(expect.objectContaining({ code: 'WX_ERR_UNKNOWN_CAUSE' }));
    expect(engine.get(event!.id)!.state).toBe('dispatched');
    const fourEyes = createEventEngine({ departments: await loadDepartments(seed), registry: { device: () => undefined }, groupOf: ruleGroups((await loadAlarmRules(rulesSeed)).rules), now: () => 0, log: createLogger('silent'), closeBySomeoneElse: true });
    fourEyes.onAlarmChange(opened(alarm('r2', 'air-guiyuan')));
    const [own] = fourEyes.list();
    fourEyes.act(own!.id, { kind: 'resolve', note: 'x', cause: 'other' }, 'li.na');
    expect(() => fourEyes.act(own!.id, { kind: 'close', note: 'mine' }, 'li.na')).toThrow(expect.objectContaining({ code: 'WX_ERR_EVENT_SAME_PERSON', value: 'li.na' }));
    expect(fourEyes.act(own!.id, { kind: 'close', note: 'checked' }, 'zhang.wei').state).toBe('closed');
  });
});
