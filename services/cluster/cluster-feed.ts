import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isFamilyId } from '../families/index.ts';
import type { Reading } from '../ingest/reading.ts';
import { unsealedWarning, type ClusterSeal } from './cluster-seal.ts';

/** A reading as it travels between nodes, with the device's run of identical readings on its node. */
type Relayed = [deviceId: string, family: string, timeMs: number, receivedAtMs: number, values: Record<string, number>, repeats: number];

export interface RelayedReading {
  readonly reading: Reading;
  /** The stuck detector's run on the node the device is connected to. */
  readonly repeats: number;
}

/** One message of the feed: a node's readings since its last one, and now and then the devices it holds online. */
export interface FeedMessage {
  readonly node: string;
  readonly readings: RelayedReading[];
  readonly online?: string[];
  /** Entries that were not readings (skipped). */
  readonly skipped: number;
}

export interface ClusterFeed {
  /** Queues one of this node's accepted readings; sent with the others of the next flush. */
  send(reading: Reading, repeats: number): void;
  /** Online on another live node of the cluster (a device is online where its session is). */
  isOnlineElsewhere(deviceId: string): boolean;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ClusterFeedOptions {
  /** Seals this node's messages and opens the others' (cluster-seal.ts); `onUnsealed` counts one refused. */
  readonly seal: ClusterSeal;
  readonly onUnsealed?: () => void;
  readonly redis: Redis;
  readonly subscriber: Redis;
  readonly channel: string;
  readonly nodeId: string;
  readonly log: Logger;
  /** The devices with a live session on this node. */
  readonly onlineHere: () => string[];
  /** Another node's readings. */
  readonly onReadings: (readings: RelayedReading[]) => void;
  readonly flushMs?: number;
  /** How often this node's online devices are sent (also its sign of life). */
  readonly presenceMs?: number;
  readonly maxBatch?: number;
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Reads one feed message. The sender is another node of the cluster, but the channel is only
 * as trusted as Redis: anything not shaped like a reading is skipped, never thrown; a message
 * that is not a feed message at all is undefined.
 */
export function decodeFeed(message: string): FeedMessage | undefined {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return undefined;
  }
  const { node, readings: entries, online } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof node !== 'string' || !Array.isArray(entries)) return undefined;
  const readings: RelayedReading[] = [];
  let skipped = 0;
  for (const entry of entries as unknown[]) {
    const [deviceId, family, timeMs, receivedAtMs, values, repeats] = Array.isArray(entry) ? (entry as unknown[]) : [];
    const valid = typeof deviceId === 'string' && typeof family === 'string' && isFamilyId(family) && finite(timeMs) && finite(receivedAtMs) && finite(repeats)
      && typeof values === 'object' && values !== null && !Array.isArray(values) && Object.values(values).every(finite);
    if (valid) readings.push({ reading: { deviceId, family, timeMs, receivedAtMs, values: values as Record<string, number> }, repeats });
    else skipped += 1;
  }
  const onlineIds = Array.isArray(online) ? online.filter((id): id is string => typeof id === 'string') : undefined;
  return { node, readings, skipped, ...(onlineIds ? { online: onlineIds } : {}) };
}

/**
 * What every node of a Redis cluster tells the others, on one channel: the readings it
 * accepted (its own devices'), batched every `flushMs`, and every `presenceMs` the devices it
 * holds online. With it the one alarm engine, on the leader, judges every device wherever it
 * is connected, and the screen and live API of any node show the whole district, readings
 * and online state alike. A node not heard for three presence periods is taken as gone with
 * its devices. Pub/sub keeps nothing: a batch sent while a node restarts is not seen there
 * (its screen refills from the next readings); the readings themselves are stored by ingest.
 */
export function createClusterFeed(options: ClusterFeedOptions): ClusterFeed {
  const { redis, subscriber, channel, nodeId, log } = options;
  const flushMs = options.flushMs ?? 100;
  const presenceMs = options.presenceMs ?? 1_000;
  const maxBatch = options.maxBatch ?? 5_000;
  const elsewhere = new Map<string, { online: Set<string>; heardAtMs: number }>();
  let pending: Relayed[] = [];
  let lastPresenceAtMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let warned = false;
  const warnUnsealed = unsealedWarning(log, 'feed');

  function flush(): Promise<void> {
    const now = Date.now();
    const withPresence = now - lastPresenceAtMs >= presenceMs;
    if (pending.length === 0 && !withPresence) return Promise.resolve();
    if (withPresence) lastPresenceAtMs = now;
    const message = options.seal.seal(channel, JSON.stringify({ node: nodeId, readings: pending, ...(withPresence ? { online: options.onlineHere() } : {}) }));
    pending = [];
    return redis.publish(channel, message).then(
      () => void (warned = false),
      (error: unknown) => {
        // Not kept: a reading relayed late would raise a stale alarm. Said once per outage.
        if (!warned) log.warn({ code: 'WX_ERR_REDIS_UNAVAILABLE', err: error }, 'readings not sent to the other nodes');
        warned = true;
      },
    );
  }

  const onMessage = (from: string, sealed: string) => {
    if (from !== channel) return;
    // Readings reach the leader's alarm engine and every screen: only a node's are taken (red team 9).
    const message = options.seal.open(channel, sealed);
    if (message === null) return warnUnsealed(sealed, options.onUnsealed);
    const feed = decodeFeed(message);
    if (!feed) return void log.warn({ message: message.slice(0, 200) }, 'cluster feed message not readable; skipped');
    if (feed.node === nodeId) return;
    if (feed.skipped > 0) log.warn({ node: feed.node, skipped: feed.skipped }, 'relayed readings not readable; skipped');
    const known = elsewhere.get(feed.node);
    if (feed.online) elsewhere.set(feed.node, { online: new Set(feed.online), heardAtMs: Date.now() });
    else if (known) known.heardAtMs = Date.now();
    if (feed.readings.length > 0) options.onReadings(feed.readings);
  };

  return {
    send(reading, repeats) {
      pending.push([reading.deviceId, reading.family, reading.timeMs, reading.receivedAtMs, reading.values as Record<string, number>, repeats]);
      if (pending.length >= maxBatch) void flush();
    },
    isOnlineElsewhere(deviceId) {
      const now = Date.now();
      for (const [node, held] of elsewhere) {
        if (now - held.heardAtMs > 3 * presenceMs) elsewhere.delete(node);
        else if (held.online.has(deviceId)) return true;
      }
      return false;
    },
    async start() {
      subscriber.on('message', onMessage);
      await subscriber.subscribe(channel);
      timer = setInterval(() => void flush(), flushMs);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      await flush();
      await subscriber.unsubscribe(channel).catch(() => undefined);
      subscriber.off('message', onMessage);
    },
  };
}
