import { z } from 'zod';
import { eventRecordSchema, sharedEventSchema } from '../events/event-schema.ts';
import type { DistrictEvent } from '../events/event-types.ts';

/**
 * A change to an event as the leader sends it to the other nodes: the event's fields, and of its
 * timeline and alarms only the places that differ from the version before (`base`, its `changes`).
 * Every change sent the whole event: an event of 2,000 entries is 0.3 MB of JSON (3.3 MB with 500
 * comments of 2,000 characters), sent to and checked on every node for each join or comment, so a
 * long-lived event cost each node time and bytes in proportion to its age, at every change. A
 * patch of one appended entry is the event's fields and that entry (~1 kB plus its alarms' changes).
 * The timeline is appended to, but for a device's rejoin (rejoin-runs.ts), which takes two entries
 * out of its end: then every entry from the first taken out is sent again, as it moved.
 */
export interface EventPatch {
  readonly base: number;
  readonly event: Omit<DistrictEvent, 'timeline' | 'alarms'>;
  readonly alarms: ArrayPatch<DistrictEvent['alarms'][number]>;
  readonly timeline: ArrayPatch<DistrictEvent['timeline'][number]>;
}

/** An array's new length and the entries at the places where it differs from the one before. */
interface ArrayPatch<T> {
  readonly length: number;
  readonly changed: ReadonlyArray<readonly [number, T]>;
}

const alarmSchema = sharedEventSchema.shape.alarms.unwrap().element;
const arrayPatch = <T extends z.ZodType>(entry: T) => z.object({ length: z.number().int().min(0), changed: z.array(z.tuple([z.number().int().min(0), entry])) });

/** A patch as a node reads it from the channel: checked as the whole event is (sharedEventSchema), entry by entry. */
export const eventPatchSchema = z.object({
  base: z.number().int(),
  event: sharedEventSchema.omit({ timeline: true, alarms: true }),
  alarms: arrayPatch(alarmSchema),
  timeline: arrayPatch(eventRecordSchema),
});

/**
 * The leader's engine makes each version from the one before, keeping the entries it did not
 * change (event-machine.ts, rejoin-runs.ts): an entry that is the same object is the same entry.
 */
function diff<T>(before: readonly T[], after: readonly T[]): ArrayPatch<T> {
  const changed: Array<readonly [number, T]> = [];
  after.forEach((entry, index) => {
    if (before[index] !== entry) changed.push([index, entry]);
  });
  return { length: after.length, changed };
}

export function makeEventPatch(before: DistrictEvent, after: DistrictEvent): EventPatch {
  const { timeline, alarms, ...event } = after;
  return { base: before.changes, event, alarms: diff(before.alarms, alarms), timeline: diff(before.timeline, timeline) };
}

function patched<T>(before: readonly T[], patch: ArrayPatch<T>): T[] | undefined {
  const after = before.slice(0, patch.length);
  for (const [index, entry] of patch.changed) {
    if (index >= patch.length) return undefined;
    after[index] = entry;
  }
  // A place neither kept nor sent: the patch is not of this version.
  for (let index = 0; index < patch.length; index += 1) if (!(index in after)) return undefined;
  return after;
}

/** The event after the patch, or undefined when `known` is not the version it was made from (a change missed: read the whole event). */
export function applyEventPatch(known: DistrictEvent | undefined, patch: EventPatch): DistrictEvent | undefined {
  if (!known || known.id !== patch.event.id || known.changes !== patch.base) return undefined;
  const alarms = patched(known.alarms, patch.alarms);
  const timeline = patched(known.timeline, patch.timeline);
  return alarms && timeline ? { ...patch.event, alarms, timeline } : undefined;
}
