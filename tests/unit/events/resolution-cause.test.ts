import { describe, expect, it } from 'vitest';
import { eventCause } from '../../../services/events/event-cause.ts';
import { replayEvent } from '../../../services/events/event-machine.ts';
import { filterEvents } from '../../../services/events/event-query.ts';
import { responseFigures } from '../../../services/events/figures.ts';
import type { EventAlarm, EventRecord } from '../../../services/events/event-types.ts';
import { suggestedReviewMarks } from '../../../services/events/review-suggestion.ts';

const alarm: EventAlarm = { id: 'a1', ruleId: 'air-rule', deviceId: 'air-guiyuan', severity: 'warning', textZh: 't', textEn: 't', openedAtMs: 1_000, closedAtMs: 50_000 };
const dispatched: EventRecord = { kind: 'dispatched', atMs: 2_000, by: 'system', department: 'eco-env', ackDueAtMs: 10_000, resolveDueAtMs: 100_000, note: '' };
const history = (resolution: EventRecord): EventRecord[] => [
  { kind: 'opened', atMs: 1_000, by: 'system', family: 'air', street: null, alarm }, dispatched, resolution,
];

describe('resolution causes on events (services/events/resolution-causes.ts)', () => {
  it('reads a resolution kept before causes were: replayed as it was, shown and found as not recorded, counted under it', () => {
    // A record as InfluxDB and the journal hold it from before: no cause.
    const legacy = JSON.parse(JSON.stringify({ kind: 'resolved', atMs: 60_000, by: 'li.na', note: 'done' })) as EventRecord;
    const event = replayEvent('ev-old', history(legacy))!;
    expect(event.state).toBe('resolved');
    expect(eventCause(event)).toBe('not-recorded');
    expect(filterEvents([event], { cause: 'not-recorded' }, 70_000)).toHaveLength(1);
    expect(filterEvents([event], { cause: 'device-fault' }, 70_000)).toHaveLength(0);
    expect(responseFigures([event], { fromMs: 0, toMs: 100_000 }).filter((row) => row.by === 'cause').map((row) => row.key)).toEqual(['not-recorded']);
    expect(suggestedReviewMarks(event)).toEqual([]);
  });

  it('suggests a review mark over the device’s alarm span for a device fault or maintenance, and none for real pollution', () => {
    const fault = replayEvent('ev-fault', history({ kind: 'resolved', atMs: 60_000, by: 'li.na', note: 'pump', cause: 'maintenance' }))!;
    expect(suggestedReviewMarks(fault)).toEqual([{ device: 'air-guiyuan', from: new Date(1_000).toISOString(), to: new Date(50_000).toISOString(), reason: 'maintenance', comment: 'event ev-fault: maintenance or calibration' }]);
    const real = replayEvent('ev-real', history({ kind: 'resolved', atMs: 60_000, by: 'li.na', note: 'dust', cause: 'real-exceedance' }))!;
    expect(suggestedReviewMarks(real)).toEqual([]);
    // Reopened, the event has no cause until it is resolved again.
    const reopened = replayEvent('ev-again', [...history({ kind: 'resolved', atMs: 60_000, by: 'li.na', note: 'dust', cause: 'real-exceedance' }), { kind: 'reopened', atMs: 70_000, by: 'system', note: '' }])!;
    expect(eventCause(reopened)).toBeNull();
  });

  it('takes a flapping device’s suggestion from the first alarm of its run, which the event no longer holds', () => {
    const flap = (id: string, atMs: number): EventAlarm => ({ ...alarm, id, deviceId: 'air-flappy', openedAtMs: atMs, closedAtMs: null });
    const event = replayEvent('ev-flap', [
      { kind: 'opened', atMs: 1_000, by: 'system', family: 'air', street: null, alarm }, dispatched,
      { kind: 'joined', atMs: 3_000, by: 'system', alarm: flap('f1', 3_000) }, { kind: 'alarm-closed', atMs: 4_000, by: 'system', alarmId: 'f1' },
      { kind: 'joined', atMs: 5_000, by: 'system', alarm: flap('f2', 5_000) }, { kind: 'alarm-closed', atMs: 6_000, by: 'system', alarmId: 'f2' },
      { kind: 'resolved', atMs: 9_000, by: 'li.na', note: 'loose connector', cause: 'device-fault' },
    ])!;
    expect(event.alarms.map((held) => held.id)).toEqual(['a1', 'f2']);
    expect(suggestedReviewMarks(event).find((mark) => mark.device === 'air-flappy')).toMatchObject({ from: new Date(3_000).toISOString(), to: new Date(6_000).toISOString(), reason: 'fault' });
  });
});
