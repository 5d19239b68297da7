import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface LeaderElectionOptions {
  readonly redis: Redis;
  /** The lease key; `${key}:token` holds the fencing counter. */
  readonly key: string;
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly log: Logger;
  /** Called once this node holds the lease, with its fencing token (higher than every earlier leader's). */
  readonly onElected: (token: number) => void;
  /** Called once this node no longer holds the lease (lost, lapsed, or released at close). */
  readonly onDeposed: (reason: string) => void;
  readonly now?: () => number;
}

export interface LeaderElection {
  start(): Promise<void>;
  /** Releases the lease if held, so another node takes over at once rather than after it lapses. */
  close(): Promise<void>;
  readonly isLeader: boolean;
  /** The fencing token of this node's current term; 0 when not the leader. */
  readonly token: number;
}

// SET NX PX and the fencing counter in one step: a token is issued only with the lease.
const acquireScript = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) end return 0`;
// Renew or release only our own lease: another node's value is never touched.
const renewScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One leader per cluster through a Redis lease (the single-instance lock of redis.io's
 * "Distributed locks with Redis"): SET key value NX PX lease, renewed every third of the
 * lease by compare-and-PEXPIRE. A leader that cannot renew steps down on its own before
 * the lease can lapse (at 80 % of it, leaving room for clock drift), so two leaders overlap
 * only if a paused process wakes up after its lease lapsed; the fencing token tells such a
 * stale leader's work apart (it is logged with every term; the rollups it guards are
 * idempotent: rewriting a window writes the same points).
 */
export function createLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const { redis, key, leaseMs, log } = options;
  const now = options.now ?? Date.now;
  const value = `${options.nodeId}:${randomUUID()}`;
  const tick = Math.max(100, Math.floor(leaseMs / 3));
  let timer: NodeJS.Timeout | undefined;
  let token = 0;
  let renewedAt = 0;
  let closed = false;

  function depose(reason: string): void {
    if (token === 0) return;
    log.warn({ code: 'WX_ERR_LEADER_LOST', nodeId: options.nodeId, token, reason }, 'leadership lost');
    token = 0;
    options.onDeposed(reason);
  }

  async function round(): Promise<void> {
    try {
      if (token > 0) {
        if (Number(await redis.eval(renewScript, 1, key, value, leaseMs)) === 1) renewedAt = now();
        else depose('the lease is held by another node');
      } else {
        const issued = Number(await redis.eval(acquireScript, 2, key, `${key}:token`, value, leaseMs));
        if (issued > 0 && !closed) {
          token = issued;
          renewedAt = now();
          log.info({ nodeId: options.nodeId, token }, 'elected leader');
          options.onElected(token);
        }
      }
    } catch (error) {
      log.warn({ code: 'WX_ERR_REDIS_UNAVAILABLE', err: error, nodeId: options.nodeId }, 'leader lease round failed');
    }
    if (token > 0 && now() - renewedAt >= leaseMs * 0.8) depose('the lease could not be renewed in time');
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => void round().finally(schedule), tick);
  }

  return {
    get isLeader() {
      return token > 0;
    },
    get token() {
      return token;
    },
    async start() {
      await round();
      schedule();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      if (token === 0) return;
      await redis.eval(releaseScript, 1, key, value).catch(() => undefined);
      depose('released at shutdown');
    },
  };
}
