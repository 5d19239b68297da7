import type { apiCaller } from './api-call.ts';

/** A timeline entry as the API answers it: the change, and its place on the timeline. */
export interface TimelineEntryBody {
  readonly seq: number;
  readonly kind: string;
  readonly by: string;
  readonly atMs: number;
  readonly note?: string;
  readonly alarm?: { id: string; deviceId: string };
  readonly run?: { count: number; firstAtMs: number; firstAlarmId: string };
}

/**
 * Every entry of an event's timeline through the API, as a client reads it: the detail's newest
 * entries, then pages of older ones (GET /api/v1/events/:id/timeline?before=) until the opening.
 */
export async function wholeTimeline(call: ReturnType<typeof apiCaller>, id: string, token: string): Promise<TimelineEntryBody[]> {
  const detail = await call(`/api/v1/events/${encodeURIComponent(id)}`, token);
  if (detail.status !== 200) throw new Error(`event ${id}: ${detail.status} ${detail.text.slice(0, 200)}`);
  let entries = detail.body.timeline as TimelineEntryBody[];
  while (entries.length > 0 && entries[0]!.seq > 0) {
    const page = await call(`/api/v1/events/${encodeURIComponent(id)}/timeline?before=${entries[0]!.seq}`, token);
    if (page.status !== 200) throw new Error(`event ${id} before ${entries[0]!.seq}: ${page.status} ${page.text.slice(0, 200)}`);
    entries = [...(page.body.timeline as TimelineEntryBody[]), ...entries];
  }
  return entries;
}
