import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { createStreamWriter, type StreamWriter } from './stream-writer.ts';

export type StreamEventType = 'readings' | 'alarm' | 'tiles' | 'reset';

/** What a client filters on: a family and a street (either may be absent). */
export interface StreamKey {
  readonly family?: string;
  readonly street?: string;
}

export interface StreamFilter {
  readonly families: ReadonlySet<string> | null;
  readonly streets: ReadonlySet<string> | null;
}

/**
 * `full`: every event whole (the original format). `delta` (issue 21 item 5; services/live/stream-delta.ts):
 * a `sync` with the whole picture first, then `delta` events with only what changed and `tiles` with
 * only the tiles that changed.
 */
export type StreamFormat = 'full' | 'delta';

export interface AttachOptions {
  readonly format?: StreamFormat;
  /** Compress this connection (Content-Encoding: gzip, flushed after each event). */
  readonly gzip?: boolean;
  /**
   * Whether the credential the stream was opened with still holds (a session signed out, a person
   * disabled, a token removed): asked at each heartbeat; a stream whose credential went is ended.
   */
  readonly stillAllowed?: () => boolean;
  /** Opened without a credential: its events are shown through the hub's `anonymousView` (people's names as roles). */
  readonly anonymous?: boolean;
}

/** What a delta event carries besides the full one: per-item deltas for `readings`, one payload otherwise. */
export interface DeltaPart {
  readonly base?: number;
  readonly items?: readonly unknown[];
  readonly payload?: unknown;
}

interface RingEntry {
  readonly seq: number;
  readonly type: StreamEventType;
  /** For `readings`: one key per item, filtered item by item; otherwise one key for the whole event. */
  readonly items: readonly unknown[] | null;
  readonly itemKeys: readonly StreamKey[] | null;
  readonly payload: unknown;
  readonly key: StreamKey | null;
  readonly delta: DeltaPart | undefined;
  readonly bytes: number;
}

interface Client {
  readonly out: StreamWriter;
  readonly filter: StreamFilter;
  readonly format: StreamFormat;
  readonly stillAllowed?: () => boolean;
  readonly anonymous: boolean;
}

export interface StreamHubOptions {
  /** Events kept for resumption, and their serialised size: both bound the ring. */
  readonly replayEvents: number;
  readonly replayBytes: number;
  /** A client whose socket holds more than this many unsent bytes is dropped. */
  readonly clientBufferBytes: number;
  readonly maxClients: number;
  readonly onDrop?: (reason: 'slow' | 'full') => void;
  /** The whole picture a delta client starts from (its `sync` event), for its filter. */
  readonly syncOf?: (filter: StreamFilter) => unknown;
  /** What an anonymous client is shown of an event other than readings (names carry only to a credential: services/people/names-shown.ts). */
  readonly anonymousView?: (data: unknown) => unknown;
}

export interface StreamHub {
  publish(type: 'readings', items: readonly unknown[], keys: readonly StreamKey[], delta?: DeltaPart): void;
  publish(type: Exclude<StreamEventType, 'readings'>, payload: unknown, key: StreamKey | null, delta?: DeltaPart): void;
  /**
   * Adds a client; replays what it missed after lastEventId, or (full format) tells it to reset when
   * that is gone; a delta client that cannot resume is sent the whole picture instead.
   */
  attach(res: ServerResponse, filter: StreamFilter, lastEventId: string | undefined, options?: AttachOptions): boolean;
  heartbeat(): void;
  readonly clients: number;
  /** Serialised bytes the ring holds now (bounded by replayBytes). */
  readonly ringBytes: number;
  closeAll(): void;
}

/** Whether an event (or item) with this key goes to a client with this filter. */
export const matches = (filter: StreamFilter, key: StreamKey | null) =>
  key === null ||
  ((filter.families === null || (key.family !== undefined && filter.families.has(key.family))) &&
    (filter.streets === null || (key.street !== undefined && filter.streets.has(key.street))));

const filterKey = (filter: StreamFilter, format: StreamFormat, anonymous: boolean) => `${anonymous ? 'anonymous|' : ''}${format}|${[...(filter.families ?? ['*'])].sort().join(',')}|${[...(filter.streets ?? ['*'])].sort().join(',')}`;

const revokedEvent = `event: error\ndata: ${JSON.stringify({ code: 'WX_ERR_UNAUTHORIZED', message: 'the credential this stream was opened with is no longer valid: sign in again' })}\n\n`;

// Delta clients get the readings as `delta` (compact items, services/live/stream-delta.ts); other events keep their names.
const eventName = (entry: RingEntry, format: StreamFormat) => (format === 'delta' && entry.type === 'readings' ? 'delta' : entry.type);

/**
 * Server-sent events (WHATWG HTML §9.2) to many clients: ids are `<epoch>-<seq>`, so a client
 * coming back to a restarted server is told to reset instead of resuming from a stranger's ids;
 * a bounded ring serves Last-Event-ID; one serialisation per event and filter, never per client.
 */
export function createStreamHub(options: StreamHubOptions): StreamHub {
  const epoch = randomBytes(4).toString('hex');
  const ring: RingEntry[] = [];
  let ringBytes = 0;
  let seq = 0;
  const clients = new Set<Client>();

  const shown = (data: unknown, anonymous: boolean) => (anonymous && options.anonymousView ? options.anonymousView(data) : data);
  const frame = (entry: RingEntry, filter: StreamFilter, format: StreamFormat, anonymous: boolean): string | null => {
    const delta = format === 'delta' ? entry.delta : undefined;
    let data: unknown;
    if (entry.items && entry.itemKeys) {
      const items = delta?.items ?? entry.items;
      const chosen = items.filter((_item, i) => matches(filter, entry.itemKeys![i]!));
      if (chosen.length === 0) return null;
      data = delta?.items ? { t: delta.base, d: chosen } : chosen;
    } else {
      if (!matches(filter, entry.key)) return null;
      data = shown(delta && 'payload' in delta ? delta.payload : entry.payload, anonymous);
    }
    return `id: ${epoch}-${entry.seq}\nevent: ${eventName(entry, format)}\ndata: ${JSON.stringify(data)}\n\n`;
  };

  const drop = (client: Client, reason: 'slow' | 'full') => {
    clients.delete(client);
    options.onDrop?.(reason);
    client.out.destroy();
  };

  const send = (client: Client, text: string) => {
    // The socket's unsent bytes are the only queue a client has: past the bound it is dropped,
    // so one stalled screen can never grow the server's memory.
    if (client.out.unsent > options.clientBufferBytes) return drop(client, 'slow');
    client.out.write(text);
  };

  const sendSync = (client: Client) => {
    const picture = shown(options.syncOf?.(client.filter) ?? {}, client.anonymous);
    send(client, `id: ${epoch}-${seq}\nevent: sync\ndata: ${JSON.stringify(picture)}\n\n`);
  };

  const remember = (entry: RingEntry) => {
    ring.push(entry);
    ringBytes += entry.bytes;
    while (ring.length > options.replayEvents || (ringBytes > options.replayBytes && ring.length > 1)) ringBytes -= ring.shift()!.bytes;
  };

  const broadcast = (entry: RingEntry) => {
    const cache = new Map<string, string | null>();
    for (const client of clients) {
      const key = filterKey(client.filter, client.format, client.anonymous);
      if (!cache.has(key)) cache.set(key, frame(entry, client.filter, client.format, client.anonymous));
      const text = cache.get(key);
      if (text) send(client, text);
    }
  };

  return {
    publish(type: StreamEventType, itemsOrPayload: unknown, keys: readonly StreamKey[] | StreamKey | null, delta?: DeltaPart) {
      seq += 1;
      const isBatch = type === 'readings';
      const body = JSON.stringify(itemsOrPayload);
      const entry: RingEntry = {
        seq, type,
        items: isBatch ? (itemsOrPayload as unknown[]) : null,
        itemKeys: isBatch ? (keys as StreamKey[]) : null,
        payload: isBatch ? null : itemsOrPayload,
        key: isBatch ? null : (keys as StreamKey | null),
        delta,
        // The delta form is held beside the full one: counted at the full one's size again at most.
        bytes: (delta ? 2 * body.length : body.length) + 64,
      };
      remember(entry);
      broadcast(entry);
    },
    attach(res, filter, lastEventId, attachOptions = {}) {
      if (clients.size >= options.maxClients) {
        options.onDrop?.('full');
        return false;
      }
      const format = attachOptions.format ?? 'full';
      const client: Client = { out: createStreamWriter(res, attachOptions.gzip === true), filter, format, stillAllowed: attachOptions.stillAllowed, anonymous: attachOptions.anonymous === true };
      clients.add(client);
      res.on('close', () => clients.delete(client));
      client.out.write('retry: 2000\n\n');
      let resumed = false;
      if (lastEventId !== undefined) {
        const [theirEpoch, theirSeq] = lastEventId.split('-');
        const last = Number(theirSeq);
        const oldest = ring[0]?.seq ?? seq + 1;
        // Resumable only when the id is ours and nothing after it has left the ring.
        if (theirEpoch === epoch && Number.isInteger(last) && last >= oldest - 1 && last <= seq) {
          resumed = true;
          for (const entry of ring) if (entry.seq > last) {
            const text = frame(entry, filter, format, client.anonymous);
            if (text) send(client, text);
          }
        } else if (format === 'full') {
          // The client's id goes out only as JSON text (issue 18 item 20: never raw into the event).
          send(client, `id: ${epoch}-${seq}\nevent: reset\ndata: ${JSON.stringify({ reason: `the events after ${lastEventId.slice(0, 40)} are no longer held: fetch /api/v1/live` })}\n\n`);
        }
      }
      // A delta client new or unable to resume starts from the whole picture: deltas mean nothing without it.
      if (format === 'delta' && !resumed) sendSync(client);
      return true;
    },
    heartbeat() {
      // A comment keeps proxies awake; the event beside it tells the page the link is alive when the
      // district is quiet (EventSource dispatches no comments), so a silent stream is told from a dead one.
      const at = Date.now();
      for (const client of clients) {
        // Access as it is now, not as it was at connect (conventions 17): a signed-out session's
        // stream, full or delta, ends within a heartbeat; its EventSource then asks again and is refused.
        if (client.stillAllowed && !client.stillAllowed()) {
          clients.delete(client);
          client.out.write(revokedEvent);
          client.out.end();
          continue;
        }
        send(client, `: heartbeat ${at}\nevent: heartbeat\ndata: ${at}\n\n`);
      }
    },
    get clients() { return clients.size; },
    get ringBytes() { return ringBytes; },
    closeAll() {
      for (const client of clients) client.out.end();
      clients.clear();
    },
  };
}
