import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isFamilyId } from '../families/index.ts';
import type { Reading } from '../ingest/reading.ts';

/** A reading as it travels to the leader, with the device's run of identical readings on its node. */
type Relayed = [deviceId: string, family: string, timeMs: number, receivedAtMs: number, values: Record<string, number>, repeats: number];

export interface RelayedReading {
  readonly reading: Reading;
  /** The stuck detector's run on the node the device is connected to. */
  readonly repeats: number;
}

export interface ReadingRelay {
  /** Queues a reading for the leader; sent with the others of the next flush. */
  send(reading: Reading, repeats: number): void;
  start(): void;
  close(): Promise<void>;
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Reads one relayed batch. The sender is another node of the cluster, but the channel is only
 * as trusted as Redis: anything not shaped like a reading is skipped, never thrown.
 */
export function decodeRelayed(message: string): { readings: RelayedReading[]; skipped: number } {
  let batch: unknown;
  try {
    batch = JSON.parse(message);
  } catch {
    return { readings: [], skipped: 1 };
  }
  if (!Array.isArray(batch)) return { readings: [], skipped: 1 };
  const readings: RelayedReading[] = [];
  let skipped = 0;
  for (const entry of batch as unknown[]) {
    const [deviceId, family, timeMs, receivedAtMs, values, repeats] = Array.isArray(entry) ? (entry as unknown[]) : [];
    const valid = typeof deviceId === 'string' && typeof family === 'string' && isFamilyId(family) && finite(timeMs) && finite(receivedAtMs) && finite(repeats)
      && typeof values === 'object' && values !== null && Object.values(values).every(finite);
    if (valid) readings.push({ reading: { deviceId, family, timeMs, receivedAtMs, values: values as Record<string, number> }, repeats });
    else skipped += 1;
  }
  return { readings, skipped };
}

/**
 * Every node's accepted readings, relayed to the cluster's leader on a Redis channel, so the
 * one alarm engine sees every device whichever node it is connected to. Batched every
 * `flushMs` (one PUBLISH per batch, not per reading). Pub/sub keeps nothing: a batch sent while
 * no leader listens is gone, which alarms can bear (they are about now, and a new leader counts
 * silence from its own start); readings themselves are stored by ingest, not by this.
 */
export function createReadingRelay(options: { redis: Redis; channel: string; log: Logger; flushMs?: number; maxBatch?: number }): ReadingRelay {
  const { redis, channel, log } = options;
  const maxBatch = options.maxBatch ?? 5_000;
  let pending: Relayed[] = [];
  let timer: NodeJS.Timeout | undefined;
  let warned = false;

  function flush(): Promise<void> {
    if (pending.length === 0) return Promise.resolve();
    const batch = JSON.stringify(pending);
    pending = [];
    return redis.publish(channel, batch).then(
      () => void (warned = false),
      (error: unknown) => {
        // Not kept: a reading relayed late would raise a stale alarm. Said once per outage.
        if (!warned) log.warn({ code: 'WX_ERR_REDIS_UNAVAILABLE', err: error }, 'readings not relayed to the alarm leader');
        warned = true;
      },
    );
  }

  return {
    send(reading, repeats) {
      pending.push([reading.deviceId, reading.family, reading.timeMs, reading.receivedAtMs, reading.values as Record<string, number>, repeats]);
      if (pending.length >= maxBatch) void flush();
    },
    start() {
      timer = setInterval(() => void flush(), options.flushMs ?? 100);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
