import type { DistrictEvent, EventAlarm, EventRecord } from './event-types.ts';

type Joined = Extract<EventRecord, { kind: 'joined' }>;

/** Where the timeline's end of alarms coming and going begins: nothing a person or the lifecycle did since. */
function alarmTailStart(timeline: readonly EventRecord[]): number {
  let start = timeline.length;
  while (start > 0 && (timeline[start - 1]!.kind === 'joined' || timeline[start - 1]!.kind === 'alarm-closed')) start -= 1;
  return start;
}

const sameSource = (a: EventAlarm, b: EventAlarm) => a.ruleId === b.ruleId && a.deviceId === b.deviceId;

/**
 * A flapping device's joins as one entry (red team, timelines): an alarm of a rule and device that
 * joined the event and closed, with only alarms coming and going since, and now another alarm of
 * the same rule and device joining, is a run. Its two entries (joined, alarm-closed) give way to
 * one `joined` of the new alarm at the end, carrying the run's count and its first time and id, and
 * the new alarm takes the old one's place among the event's alarms. Each flap used to add two
 * entries and an alarm for good: a device flapping for a night made an event of thousands of
 * entries that every answer about it carried. An auditor still reads when it began, when it last
 * joined, how often, and that the device is closed again (the next `alarm-closed`); each join is
 * still a point of its own in InfluxDB (event-store.ts), and each alarm in the alarms' history.
 *
 * Alarms of other devices between are left as they are (a second flapping device runs alongside);
 * anything else (a comment, a dispatch, a raised severity) ends the run, so the timeline never
 * hides what happened between two flaps. Null when the join does not continue a run.
 */
export function foldRejoin(event: DistrictEvent, joined: Joined): Pick<DistrictEvent, 'timeline' | 'alarms'> | null {
  const { timeline } = event;
  const start = alarmTailStart(timeline);
  for (let index = timeline.length - 1; index >= start; index -= 1) {
    const entry = timeline[index]!;
    if (entry.kind !== 'joined' || !sameSource(entry.alarm, joined.alarm)) continue;
    const closedAt = timeline.findIndex((later, at) => at > index && later.kind === 'alarm-closed' && later.alarmId === entry.alarm.id);
    // Still open on the event (its closing not heard): not a run, whatever the alarm engine says.
    if (closedAt === -1) return null;
    const run = { count: (entry.run?.count ?? 1) + 1, firstAtMs: entry.run?.firstAtMs ?? entry.atMs, firstAlarmId: entry.run?.firstAlarmId ?? entry.alarm.id };
    return {
      timeline: [...timeline.filter((_entry, at) => at !== index && at !== closedAt), { kind: 'joined', atMs: joined.atMs, by: joined.by, alarm: joined.alarm, run }],
      alarms: event.alarms.some((alarm) => alarm.id === entry.alarm.id)
        ? event.alarms.map((alarm) => (alarm.id === entry.alarm.id ? joined.alarm : alarm))
        : [...event.alarms, joined.alarm],
    };
  }
  return null;
}
