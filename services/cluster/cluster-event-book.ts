import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { sharedEventSchema } from '../events/event-schema.ts';
import type { DistrictEvent } from '../events/event-types.ts';
import { eventPatchSchema, type EventPatch } from './event-patch.ts';

export function parseObject<T>(text: string): Partial<T> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}

export const parseEvent = (value: unknown): DistrictEvent | undefined => {
  const parsed = sharedEventSchema.safeParse(value);
  return parsed.success ? (parsed.data as DistrictEvent) : undefined;
};

/** A change on the channel: a whole event (a new term's, or a new event), or a patch (event-patch.ts); undefined when unreadable. */
export function readChange(text: string): { event: DistrictEvent } | { patch: EventPatch } | undefined {
  const message = parseObject<{ patch: unknown }>(text);
  if (message && 'patch' in message) {
    const parsed = eventPatchSchema.safeParse(message.patch);
    return parsed.success ? { patch: parsed.data as EventPatch } : undefined;
  }
  const event = parseEvent(message);
  return event ? { event } : undefined;
}

/** Deletes a hash field only while it holds the value read: a version written since is kept. */
const deleteIfUnchanged = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";

/**
 * The cluster's events in a Redis hash, whole, one field an event: the leader writes each version
 * there, a node starting reads them all, and a node that missed a change reads that event.
 */
export function createEventBook(options: { redis: Redis; key: string; log: Logger }) {
  const { redis, key, log } = options;
  const unavailable = (what: string, fields: object) => (error: unknown) => log.warn({ code: 'WX_ERR_REDIS_UNAVAILABLE', err: error, ...fields }, what);
  return {
    /** Writes the version; its JSON, for the channel. */
    write(event: DistrictEvent): string {
      const text = JSON.stringify(event);
      redis.hset(key, event.id, text).catch(unavailable('event change not shared with the cluster', { event: event.id }));
      return text;
    },
    async read(id: string): Promise<DistrictEvent | undefined> {
      const text = await redis.hget(key, id).catch(unavailable('event missed in a change not read from the cluster’s hash', { event: id }));
      return typeof text === 'string' ? parseEvent(parseObject<DistrictEvent>(text)) : undefined;
    },
    drop(ids: readonly string[]): void {
      if (ids.length > 0) redis.hdel(key, ...ids).catch(unavailable('events past the horizon not dropped from the cluster’s hash', { events: ids.length }));
    },
    /**
     * Every readable event that `holds` keeps; those it does not are dropped from the hash unless
     * written again since (a leader that kept them before the horizon was held, or missed the sweep).
     */
    async seed(holds: (event: DistrictEvent) => boolean): Promise<DistrictEvent[]> {
      const kept: DistrictEvent[] = [];
      for (const [id, text] of Object.entries(await redis.hgetall(key))) {
        const event = parseEvent(parseObject<DistrictEvent>(text));
        if (!event) continue;
        if (holds(event)) kept.push(event);
        else redis.eval(deleteIfUnchanged, 1, key, id, text).catch(unavailable('event past the horizon not dropped from the cluster’s hash', { event: id }));
      }
      return kept;
    },
  };
}
