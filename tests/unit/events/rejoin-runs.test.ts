import { describe, expect, it } from 'vitest';
import { applyEventRecord, replayEvent } from '../../../services/events/event-machine.ts';
import type { EventAlarm, EventRecord } from '../../../services/events/event-types.ts';

const alarm = (id: string, deviceId: string, atMs: number): EventAlarm => ({
  id, ruleId: 'device-silent', deviceId, severity: 'warning', textZh: '无数据', textEn: 'silent', openedAtMs: atMs, closedAtMs: null,
});
const opened: EventRecord = { kind: 'opened', atMs: 1_000, by: 'system', family: 'air', street: null, alarm: alarm('a0', 'air-guiyuan', 1_000) };
const dispatched: EventRecord = { kind: 'dispatched', atMs: 1_100, by: 'system', department: 'eco-env', ackDueAtMs: 9_000, resolveDueAtMs: 99_000, note: '' };
/** One flap of a device: its alarm joins, then closes. */
const flap = (id: string, deviceId: string, atMs: number): EventRecord[] => [
  { kind: 'joined', atMs, by: 'system', alarm: alarm(id, deviceId, atMs) },
  { kind: 'alarm-closed', atMs: atMs + 50, by: 'system', alarmId: id },
];

/**
 * A flapping device's joins (red team, timelines): each flap added a `joined` and an `alarm-closed`
 * to the timeline and an alarm to the event for good, so one device flapping for a night made an
 * event of thousands of entries. Its run is one entry now, with its count, first time and id.
 */
describe('a flapping device on an event’s timeline', () => {
  it('folds a device’s joins one after another into one entry of its latest alarm, with the count and the first time and id', () => {
    const records = [opened, dispatched, ...Array.from({ length: 300 }, (_, n) => flap(`d${n}`, 'air-dongmen', 2_000 + n * 100)).flat()];
    const event = replayEvent('ev-1', records)!;
    expect(event.timeline.map((entry) => entry.kind)).toEqual(['opened', 'dispatched', 'joined', 'alarm-closed']);
    expect(event.timeline[2]).toEqual({ kind: 'joined', atMs: 2_000 + 299 * 100, by: 'system', alarm: alarm('d299', 'air-dongmen', 2_000 + 299 * 100), run: { count: 300, firstAtMs: 2_000, firstAlarmId: 'd0' } });
    expect(event.timeline[3]).toMatchObject({ kind: 'alarm-closed', alarmId: 'd299' });
    // The event holds the opening alarm and the run's latest, closed: the event is clear.
    expect(event.alarms.map((entry) => [entry.id, entry.closedAtMs])).toEqual([['a0', null], ['d299', 2_000 + 299 * 100 + 50]]);
    expect(event.changes).toBe(records.length);
    expect(event.lastAlarmAtMs).toBe(2_000 + 299 * 100);
  });

  it('keeps a run per device when two devices flap in turn, and a first join as it is', () => {
    const records = [opened, dispatched, ...Array.from({ length: 50 }, (_, n) => [...flap(`x${n}`, 'air-dongmen', 2_000 + n * 100), ...flap(`y${n}`, 'air-huangbei', 2_020 + n * 100)]).flat()];
    const event = replayEvent('ev-1', records)!;
    expect(event.timeline.slice(2).map((entry) => (entry.kind === 'joined' ? [entry.alarm.deviceId, entry.run?.count ?? 1] : [entry.kind]))).toEqual([
      ['air-dongmen', 50], ['alarm-closed'], ['air-huangbei', 50], ['alarm-closed'],
    ]);
    const once = replayEvent('ev-1', [opened, dispatched, ...flap('z0', 'air-dongmen', 2_000)])!;
    expect(once.timeline[2]).not.toHaveProperty('run');
  });

  it('starts a new run after anything else happens between two flaps, so nothing between is hidden', () => {
    const comment: EventRecord = { kind: 'commented', atMs: 2_250, by: 'li.na', note: 'the station’s modem is failing' };
    const records = [opened, dispatched, ...flap('d0', 'air-dongmen', 2_000), ...flap('d1', 'air-dongmen', 2_100), comment, ...flap('d2', 'air-dongmen', 2_300), ...flap('d3', 'air-dongmen', 2_400)];
    const event = replayEvent('ev-1', records)!;
    expect(event.timeline.slice(2).map((entry) => [entry.kind, entry.kind === 'joined' ? entry.run?.count ?? 1 : null])).toEqual([
      ['joined', 2], ['alarm-closed', null], ['commented', null], ['joined', 2], ['alarm-closed', null],
    ]);
  });

  it('does not fold a join while the device’s earlier alarm is still open on the event', () => {
    const records = [opened, dispatched, { kind: 'joined', atMs: 2_000, by: 'system', alarm: alarm('d0', 'air-dongmen', 2_000) } as const, { kind: 'joined', atMs: 2_100, by: 'system', alarm: alarm('d1', 'air-dongmen', 2_100) } as const];
    expect(replayEvent('ev-1', records)!.timeline.map((entry) => entry.kind)).toEqual(['opened', 'dispatched', 'joined', 'joined']);
  });

  it('works a run out from the records alone: a run a record claims is not taken', () => {
    const claimed = { kind: 'joined', atMs: 2_000, by: 'system', alarm: alarm('d0', 'air-dongmen', 2_000), run: { count: 9_999, firstAtMs: 0, firstAlarmId: 'forged' } } as const;
    const event = applyEventRecord(replayEvent('ev-1', [opened, dispatched])!, claimed);
    expect(event.timeline.at(-1)).toEqual({ kind: 'joined', atMs: 2_000, by: 'system', alarm: alarm('d0', 'air-dongmen', 2_000) });
  });
});
