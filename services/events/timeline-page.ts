import type { EventRecord } from './event-types.ts';

/**
 * The newest entries an answer about an event carries, and the most one page of older ones holds.
 * An event's timeline has no end (re-dispatches, reopen cycles with 2,000-character notes, 500
 * comments): every answer carried all of it, megabytes for a long-lived event, built, checked and
 * sent in one turn of the platform's only thread, and the desk drew every entry. A day's event
 * has tens of entries; 200 is every entry of nearly every event, and at most ~400 kB of notes.
 */
export const timelinePageSize = 200;

/** A timeline entry as the API answers it: `seq` is its place on the timeline, 0 the opening. */
export type TimelineEntry = EventRecord & { readonly seq: number };

export interface TimelinePage {
  /** The page's entries, oldest first; the one before the first is `seq - 1` (none when its seq is 0). */
  readonly timeline: TimelineEntry[];
  /** How many entries the timeline has. */
  readonly timelineTotal: number;
}

/**
 * The newest `limit` entries before `before` (a seq; the end of the timeline when absent), in time
 * order. Entries are only added at the end, but for a device's rejoin (rejoin-runs.ts), which takes
 * its earlier entries out of the alarm entries at the very end: every entry before those keeps its
 * seq, so a client paging back from the oldest entry it holds reads each entry once.
 */
export function timelinePage(timeline: readonly EventRecord[], options: { before?: number; limit?: number } = {}): TimelinePage {
  const end = Math.min(options.before ?? timeline.length, timeline.length);
  const start = Math.max(0, end - (options.limit ?? timelinePageSize));
  return { timeline: timeline.slice(start, end).map((record, offset) => ({ ...record, seq: start + offset })), timelineTotal: timeline.length };
}
