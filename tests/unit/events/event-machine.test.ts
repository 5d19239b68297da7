import { describe, expect, it } from 'vitest';
import { allowedFrom, applyEventRecord, replayEvent } from '../../../services/events/event-machine.ts';
import type { DistrictEvent, EventAlarm, EventRecord, EventState } from '../../../services/events/event-types.ts';
import { eventStates } from '../../../services/events/event-types.ts';

const alarm = (id: string, severity: EventAlarm['severity'] = 'warning'): EventAlarm => ({
  id, ruleId: 'air-aqi-realtime', deviceId: id.split('.')[1] ?? 'air-guiyuan', severity, textZh: 'AQI 300', textEn: 'AQI 300', openedAtMs: 1_000, closedAtMs: null,
});
const opened: EventRecord = { kind: 'opened', atMs: 1_000, by: 'system', family: 'air', street: null, alarm: alarm('a.air-guiyuan') };
const dispatched: EventRecord = { kind: 'dispatched', atMs: 2_000, by: 'zhang.wei', department: 'eco-env', ackDueAtMs: 3_000, resolveDueAtMs: 9_000, note: '' };
const note = (kind: 'started' | 'resolved' | 'closed' | 'reopened' | 'commented', atMs: number, by = 'li.na', text = ''): EventRecord => ({ kind, atMs, by, note: text });

/** An event brought to a state through the lifecycle. */
function eventIn(state: EventState): DistrictEvent {
  const path: Record<EventState, EventRecord[]> = {
    open: [opened],
    dispatched: [opened, dispatched],
    in_progress: [opened, dispatched, note('started', 2_500)],
    resolved: [opened, dispatched, note('started', 2_500), note('resolved', 4_000, 'li.na', 'construction site watered')],
    closed: [opened, dispatched, note('started', 2_500), note('resolved', 4_000), note('closed', 5_000, 'zhang.wei')],
  };
  return replayEvent('ev-1', path[state])!;
}

describe('the event lifecycle (issue 23, item 2), one transition at a time', () => {
  it('opened: a new event from an alarm, open, titled by it', () => {
    const event = applyEventRecord(undefined, opened, 'ev-1');
    expect(event).toMatchObject({ id: 'ev-1', state: 'open', family: 'air', street: null, severity: 'warning', titleZh: 'AQI 300', openedAtMs: 1_000, department: null });
    expect(event.timeline).toEqual([opened]);
    expect(() => applyEventRecord(event, opened)).toThrow(expect.objectContaining({ code: 'WX_ERR_EVENT_STATE' }));
  });

  it('joined: a related alarm joins; the event takes the worse severity; the same alarm twice changes nothing', () => {
    const event = applyEventRecord(eventIn('open'), { kind: 'joined', atMs: 1_500, by: 'system', alarm: alarm('b.air-huangbei', 'critical') });
    expect(event.alarms.map((entry) => entry.id)).toEqual(['a.air-guiyuan', 'b.air-huangbei']);
    expect(event).toMatchObject({ severity: 'critical', lastAlarmAtMs: 1_500 });
    expect(applyEventRecord(event, { kind: 'joined', atMs: 1_600, by: 'system', alarm: alarm('b.air-huangbei') })).toBe(event);
  });

  it('severity-raised: the severity and title of the more severe alarm, and its due times once dispatched', () => {
    const raised = { kind: 'severity-raised', atMs: 2_600, by: 'system', alarmId: 'b.air-huangbei', from: 'warning', severity: 'critical', titleZh: 'AQI 420', titleEn: 'AQI 420', ackDueAtMs: 2_400, resolveDueAtMs: 5_000 } as const;
    expect(applyEventRecord(eventIn('dispatched'), raised)).toMatchObject({ severity: 'critical', titleZh: 'AQI 420', ackDueAtMs: 2_400, resolveDueAtMs: 5_000, state: 'dispatched' });
    // Not dispatched yet: no due times to change.
    expect(applyEventRecord(eventIn('open'), { ...raised, ackDueAtMs: null, resolveDueAtMs: null })).toMatchObject({ severity: 'critical', ackDueAtMs: null, resolveDueAtMs: null });
  });

  it('dispatched: to a department with due times; again to another while not resolved', () => {
    const event = applyEventRecord(eventIn('open'), dispatched);
    expect(event).toMatchObject({ state: 'dispatched', department: 'eco-env', dispatchedAtMs: 2_000, ackDueAtMs: 3_000, resolveDueAtMs: 9_000 });
    const rerouted = applyEventRecord(event, { ...dispatched, atMs: 2_200, department: 'urban-mgmt' });
    expect(rerouted).toMatchObject({ department: 'urban-mgmt', dispatchedAtMs: 2_000 });
  });

  it('started: in progress, acknowledged by the department', () => {
    const event = applyEventRecord(eventIn('dispatched'), note('started', 2_500));
    expect(event).toMatchObject({ state: 'in_progress', acknowledgedAtMs: 2_500 });
  });

  it('resolved: with the resolution note on the timeline', () => {
    const event = applyEventRecord(eventIn('in_progress'), note('resolved', 4_000, 'li.na', 'construction site watered'));
    expect(event).toMatchObject({ state: 'resolved', resolvedAtMs: 4_000 });
    expect(event.timeline.at(-1)).toMatchObject({ kind: 'resolved', by: 'li.na', note: 'construction site watered' });
  });

  it('closed: verified once resolved, or an open event dismissed', () => {
    expect(applyEventRecord(eventIn('resolved'), note('closed', 5_000, 'zhang.wei'))).toMatchObject({ state: 'closed', closedAtMs: 5_000 });
    expect(applyEventRecord(eventIn('open'), note('closed', 5_000, 'zhang.wei'))).toMatchObject({ state: 'closed' });
  });

  it('reopened: from resolved or closed back to open, due times cleared, counted', () => {
    for (const state of ['resolved', 'closed'] as const) {
      const event = applyEventRecord(eventIn(state), note('reopened', 6_000, 'system', 'recurred'));
      expect(event).toMatchObject({ state: 'open', reopened: 1, resolvedAtMs: null, closedAtMs: null, ackDueAtMs: null, resolveDueAtMs: null, department: 'eco-env' });
    }
  });

  it('commented: on the timeline in any state, the state unchanged', () => {
    for (const state of eventStates) {
      const event = applyEventRecord(eventIn(state), note('commented', 7_000, 'wang.fang', 'called the site manager'));
      expect(event.state).toBe(state);
      expect(event.timeline.at(-1)).toMatchObject({ kind: 'commented', by: 'wang.fang', note: 'called the site manager' });
    }
  });

  it('escalated: marked with the late department and the next level', () => {
    const event = applyEventRecord(eventIn('dispatched'), { kind: 'escalated', atMs: 3_000, by: 'system', reason: 'not-acknowledged', department: 'eco-env', to: 'district-command' });
    expect(event.escalations).toEqual([{ atMs: 3_000, reason: 'not-acknowledged', department: 'eco-env', to: 'district-command' }]);
    expect(event.state).toBe('dispatched');
  });

  it('alarm-closed: the condition is clear once every alarm is closed, and not before', () => {
    const two = applyEventRecord(eventIn('resolved'), { kind: 'alarm-closed', atMs: 4_500, by: 'system', alarmId: 'a.air-guiyuan' });
    expect(two.clearSinceMs).toBe(4_500);
    const joined = applyEventRecord(eventIn('open'), { kind: 'joined', atMs: 1_500, by: 'system', alarm: alarm('b.air-huangbei') });
    const one = applyEventRecord(joined, { kind: 'alarm-closed', atMs: 1_700, by: 'system', alarmId: 'a.air-guiyuan' });
    expect(one.clearSinceMs).toBeNull();
    expect(applyEventRecord(one, { kind: 'alarm-closed', atMs: 1_800, by: 'system', alarmId: 'b.air-huangbei' }).clearSinceMs).toBe(1_800);
  });

  it('refuses every change from a state it may not come from, with WX_ERR_EVENT_STATE', () => {
    const samples: Record<keyof typeof allowedFrom, EventRecord> = {
      joined: { kind: 'joined', atMs: 8_000, by: 'system', alarm: alarm('c.air-dongmen') },
      'alarm-closed': { kind: 'alarm-closed', atMs: 8_000, by: 'system', alarmId: 'x' },
      dispatched, started: note('started', 8_000), resolved: note('resolved', 8_000), closed: note('closed', 8_000), reopened: note('reopened', 8_000), commented: note('commented', 8_000),
      escalated: { kind: 'escalated', atMs: 8_000, by: 'system', reason: 'not-resolved', department: 'eco-env', to: null },
      'severity-raised': { kind: 'severity-raised', atMs: 8_000, by: 'system', alarmId: 'x', from: 'warning', severity: 'critical', titleZh: 'x', titleEn: 'x', ackDueAtMs: null, resolveDueAtMs: null },
    };
    for (const [kind, record] of Object.entries(samples) as Array<[keyof typeof allowedFrom, EventRecord]>) {
      for (const state of eventStates) {
        const attempt = () => applyEventRecord(eventIn(state), record);
        if (allowedFrom[kind].includes(state)) expect(attempt).not.toThrow();
        else expect(attempt, `${kind} from ${state}`).toThrow(expect.objectContaining({ code: 'WX_ERR_EVENT_STATE' }));
      }
    }
  });

  it('never runs time backwards, and replays to the same event', () => {
    const event = applyEventRecord(eventIn('dispatched'), note('started', 10));
    expect(event.acknowledgedAtMs).toBe(2_000);
    const records = eventIn('closed').timeline;
    expect(replayEvent('ev-1', records)).toEqual(eventIn('closed'));
  });
});
