import { describe, expect, it } from 'vitest';
import { applyEventPatch, eventPatchSchema, makeEventPatch } from '../../services/cluster/event-patch.ts';
import type { DistrictEvent, EventRecord } from '../../services/events/index.ts';
import { sharedEventSchema } from '../../services/events/event-schema.ts';

const comment = (n: number): EventRecord => ({ kind: 'commented', atMs: n, by: 'zhang.wei', note: `note ${n}` });
const base = { id: 'ev-1', family: 'air', street: null, severity: 'warning', state: 'open', titleZh: 't', titleEn: 't', alarms: [], department: null, openedAtMs: 0, updatedAtMs: 0, lastAlarmAtMs: 0, dispatchedAtMs: null, acknowledgedAtMs: null, resolvedAtMs: null, closedAtMs: null, ackDueAtMs: null, resolveDueAtMs: null, clearSinceMs: null, escalations: [], reopened: 0 } as const;
const version = (changes: number, timeline: EventRecord[]): DistrictEvent => ({ ...base, changes, timeline });
/** As a follower reads it: through JSON and the schema, no object shared with the leader's. */
const sent = (before: DistrictEvent, after: DistrictEvent) => eventPatchSchema.parse(JSON.parse(JSON.stringify(makeEventPatch(before, after))));

describe('an event change as a patch (services/cluster/event-patch.ts)', () => {
  const entries = Array.from({ length: 2_000 }, (_, n) => comment(n));
  const before = version(2_000, entries);

  it('carries an appended entry alone, and rebuilds the leader’s event from the version before', () => {
    const after = version(2_001, [...entries, comment(2_000)]);
    const patch = sent(before, after);
    expect(patch.timeline.changed).toEqual([[2_000, comment(2_000)]]);
    expect(applyEventPatch(JSON.parse(JSON.stringify(before)) as DistrictEvent, patch)).toEqual(after);
  });

  it('carries the entries that moved when two are taken out of the end (a rejoin), and rebuilds that too', () => {
    const after = version(2_001, [...entries.filter((_, n) => n !== 1_990 && n !== 1_995), comment(2_000)]);
    const patch = sent(before, after);
    expect(patch.timeline.changed.map(([index]) => index)).toEqual(Array.from({ length: 9 }, (_, n) => 1_990 + n));
    expect(applyEventPatch(before, patch)).toEqual(after);
  });

  it('rebuilds nothing from another version than its own (a change missed): the whole event is read instead', () => {
    const missed = comment(2_000);
    const after = version(2_002, [...entries, missed, comment(2_001)]);
    const patch = sent(version(2_001, [...entries, missed]), after);
    expect(patch.timeline.changed).toHaveLength(1);
    expect(applyEventPatch(before, patch)).toBeUndefined();
    expect(applyEventPatch(undefined, patch)).toBeUndefined();
    expect(applyEventPatch({ ...before, changes: 2_001 }, patch)).toBeUndefined();
  });

  it('keeps a resolution’s cause on every node: the patch and the whole event alike (zod drops keys a shape does not name)', () => {
    const resolution: EventRecord = { kind: 'resolved', atMs: 2_000, by: 'li.na', note: 'pump replaced', cause: 'device-fault' };
    const after = { ...version(2_001, [...entries, resolution]), state: 'resolved' as const, resolvedAtMs: 2_000 };
    expect(applyEventPatch(before, sent(before, after))?.timeline.at(-1)).toEqual(resolution);
    expect(sharedEventSchema.parse(JSON.parse(JSON.stringify(after))).timeline.at(-1)).toEqual(resolution);
  });
});
