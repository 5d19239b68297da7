import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isFamilyId, type FamilyId } from '../families/index.ts';
import type { RollupEngine } from '../rollups/rollup-engine.ts';
import { dayMs, dayOf, dayWindow } from '../rollups/rollup-types.ts';
import type { LeaderService } from './leader-services.ts';

export interface RollupMarks {
  /** Every node: a reading touched this family's day (kept locally, sent to Redis every flush). */
  mark(family: FamilyId, timeMs: number): void;
  start(): void;
  close(): Promise<void>;
  /** The leader's side: pulls every node's marks into the engine and runs it. */
  leaderService(engine: RollupEngine, name?: string): LeaderService;
}

/**
 * The rollups' dirty windows across the cluster: each node ingests its own devices' readings,
 * but only the leader rolls up, so every node sends the (family, day) windows it touched to a
 * Redis set, and the leader takes them out (SPOP) into its engine. A window marked twice is
 * one member; a leader that dies between SPOP and the rollup loses those marks, but the next
 * leader's engine takes today and yesterday again when it starts (rollup-engine.ts), and a later
 * reading of an older day marks it again.
 */
export function createRollupMarks(options: { redis: Redis; key: string; log: Logger; flushMs?: number }): RollupMarks {
  const { redis, key, log } = options;
  const flushMs = options.flushMs ?? 1_000;
  let pending = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;

  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const members = [...pending];
    pending = new Set();
    try {
      await redis.sadd(key, ...members);
    } catch (error) {
      for (const member of members) pending.add(member); // kept for the next flush
      log.warn({ code: 'WX_ERR_REDIS_UNAVAILABLE', err: error }, 'rollup marks not sent; kept for the next flush');
    }
  }

  async function pull(engine: RollupEngine): Promise<void> {
    for (;;) {
      const members = await redis.spop(key, 1_000);
      for (const member of members) {
        const [family, day] = member.split(':');
        // The day's middle: markDirty takes a time and finds its Beijing day (and the days it reaches).
        if (family && isFamilyId(family)) engine.markDirty(family, dayWindow(Number(day)).startMs + dayMs / 2);
      }
      if (members.length < 1_000) return;
    }
  }

  return {
    mark(family, timeMs) {
      pending.add(`${family}:${dayOf(timeMs)}`);
    },
    start() {
      flushTimer = setInterval(() => void flush(), flushMs);
    },
    async close() {
      clearInterval(flushTimer);
      await flush();
    },
    leaderService(engine, name = 'rollups') {
      let pullTimer: NodeJS.Timeout | undefined;
      const tick = () => void pull(engine).catch((error: unknown) => log.warn({ code: 'WX_ERR_REDIS_UNAVAILABLE', err: error }, 'rollup marks not pulled'));
      return {
        name,
        start() {
          tick();
          pullTimer = setInterval(tick, flushMs);
          engine.start();
        },
        async close() {
          clearInterval(pullTimer);
          await engine.close();
        },
      };
    },
  };
}
