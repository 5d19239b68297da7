import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export type StreamEventType = 'readings' | 'alarm' | 'tiles';

/** What a client filters on: a family and a street (either may be absent). */
export interface StreamKey {
  readonly family?: string;
  readonly street?: string;
}

export interface StreamFilter {
  readonly families: ReadonlySet<string> | null;
  readonly streets: ReadonlySet<string> | null;
}

interface RingEntry {
  readonly seq: number;
  readonly type: StreamEventType;
  /** For `readings`: one key per item, filtered item by item; otherwise one key for the whole event. */
  readonly items: readonly unknown[] | null;
  readonly itemKeys: readonly StreamKey[] | null;
  readonly payload: unknown;
  readonly key: StreamKey | null;
  readonly bytes: number;
}

interface Client {
  readonly res: ServerResponse;
  readonly filter: StreamFilter;
}

export interface StreamHubOptions {
  /** Events kept for resumption, and their serialised size: both bound the ring. */
  readonly replayEvents: number;
  readonly replayBytes: number;
  /** A client whose socket holds more than this many unsent bytes is dropped. */
  readonly clientBufferBytes: number;
  readonly maxClients: number;
  readonly onDrop?: (reason: 'slow' | 'full') => void;
}

export interface StreamHub {
  publish(type: 'readings', items: readonly unknown[], keys: readonly StreamKey[]): void;
  publish(type: Exclude<StreamEventType, 'readings'>, payload: unknown, key: StreamKey | null): void;
  /** Adds a client; replays what it missed after lastEventId, or tells it to reset when that is gone. */
  attach(res: ServerResponse, filter: StreamFilter, lastEventId: string | undefined): boolean;
  heartbeat(): void;
  readonly clients: number;
  /** Serialised bytes the ring holds now (bounded by replayBytes). */
  readonly ringBytes: number;
  closeAll(): void;
}

const matches = (filter: StreamFilter, key: StreamKey | null) =>
  key === null ||
  ((filter.families === null || (key.family !== undefined && filter.families.has(key.family))) &&
    (filter.streets === null || (key.street !== undefined && filter.streets.has(key.street))));

const filterKey = (filter: StreamFilter) => `${[...(filter.families ?? ['*'])].sort().join(',')}|${[...(filter.streets ?? ['*'])].sort().join(',')}`;

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

  const frame = (entry: RingEntry, filter: StreamFilter): string | null => {
    let data: unknown;
    if (entry.items && entry.itemKeys) {
      const chosen = entry.items.filter((_item, i) => matches(filter, entry.itemKeys![i]!));
      if (chosen.length === 0) return null;
      data = chosen;
    } else {
      if (!matches(filter, entry.key)) return null;
      data = entry.payload;
    }
    return `id: ${epoch}-${entry.seq}\nevent: ${entry.type}\ndata: ${JSON.stringify(data)}\n\n`;
  };

  const drop = (client: Client, reason: 'slow' | 'full') => {
    clients.delete(client);
    options.onDrop?.(reason);
    client.res.destroy();
  };

  const send = (client: Client, text: string) => {
    // The socket's unsent bytes are the only queue a client has: past the bound it is dropped,
    // so one stalled screen can never grow the server's memory.
    if (client.res.writableLength > options.clientBufferBytes) return drop(client, 'slow');
    client.res.write(text);
  };

  const remember = (entry: RingEntry) => {
    ring.push(entry);
    ringBytes += entry.bytes;
    while (ring.length > options.replayEvents || (ringBytes > options.replayBytes && ring.length > 1)) ringBytes -= ring.shift()!.bytes;
  };

  const broadcast = (entry: RingEntry) => {
    const cache = new Map<string, string | null>();
    for (const client of clients) {
      const key = filterKey(client.filter);
      if (!cache.has(key)) cache.set(key, frame(entry, client.filter));
      const text = cache.get(key);
      if (text) send(client, text);
    }
  };

  return {
    publish(type: StreamEventType, itemsOrPayload: unknown, keys: readonly StreamKey[] | StreamKey | null) {
      seq += 1;
      const isBatch = type === 'readings';
      const body = JSON.stringify(itemsOrPayload);
      const entry: RingEntry = {
        seq, type,
        items: isBatch ? (itemsOrPayload as unknown[]) : null,
        itemKeys: isBatch ? (keys as StreamKey[]) : null,
        payload: isBatch ? null : itemsOrPayload,
        key: isBatch ? null : (keys as StreamKey | null),
        bytes: body.length + 64,
      };
      remember(entry);
      broadcast(entry);
    },
    attach(res, filter, lastEventId) {
      if (clients.size >= options.maxClients) {
        options.onDrop?.('full');
        return false;
      }
      const client: Client = { res, filter };
      clients.add(client);
      res.on('close', () => clients.delete(client));
      res.write('retry: 2000\n\n');
      if (lastEventId !== undefined) {
        const [theirEpoch, theirSeq] = lastEventId.split('-');
        const last = Number(theirSeq);
        const oldest = ring[0]?.seq ?? seq + 1;
        // Resumable only when the id is ours and nothing after it has left the ring.
        if (theirEpoch === epoch && Number.isInteger(last) && last >= oldest - 1 && last <= seq) {
          for (const entry of ring) if (entry.seq > last) {
            const text = frame(entry, filter);
            if (text) send(client, text);
          }
        } else {
          // The client's id goes out only as JSON text (issue 18 item 20: never raw into the event).
          send(client, `id: ${epoch}-${seq}\nevent: reset\ndata: ${JSON.stringify({ reason: `the events after ${lastEventId.slice(0, 40)} are no longer held: fetch /api/v1/live` })}\n\n`);
        }
      }
      return true;
    },
    heartbeat() {
      for (const client of clients) send(client, `: heartbeat ${Date.now()}\n\n`);
    },
    get clients() { return clients.size; },
    get ringBytes() { return ringBytes; },
    closeAll() {
      for (const client of clients) client.res.end();
      clients.clear();
    },
  };
}
