import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ErrorCode } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { AlarmChange } from './alarm-types.ts';
import { webhookBody, type WebhookStyle } from './webhook-bodies.ts';

export interface WebhookTarget {
  readonly url: string;
  readonly style: WebhookStyle;
}

export interface WebhookNotifierOptions {
  readonly webhooks: readonly WebhookTarget[];
  /** NDJSON file of notifications that could not be delivered. */
  readonly deadLetterPath: string;
  readonly log: Logger;
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
  readonly queueLimit: number;
  readonly metrics?: Metrics;
}

export interface WebhookStats {
  readonly delivered: number;
  readonly failedAttempts: number;
  readonly deadLettered: number;
  readonly queued: number;
}

export interface WebhookNotifier {
  /** Queues the change for every webhook and returns at once: delivery never holds up the engine. */
  notify(change: AlarmChange): void;
  stats(): WebhookStats;
  /** Resolves once every queued notification has been delivered or dead-lettered. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Job {
  readonly target: WebhookTarget;
  readonly body: string;
  readonly alarmId: string;
  readonly change: string;
}

/**
 * POSTs alarm changes to webhooks, one queue per webhook (in order, one at a time), retrying
 * network errors, timeouts and non-2xx answers with exponential backoff and jitter. What is
 * still undelivered after its attempts, or finds its queue full, goes to the dead-letter file.
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  const queues = new Map<string, Job[]>(options.webhooks.map((target) => [target.url, []]));
  const busy = new Map<string, Promise<void>>();
  const stop = new AbortController();
  let delivered = 0;
  let failedAttempts = 0;
  let deadLettered = 0;
  let idleWaiters: Array<() => void> = [];
  let writes = Promise.resolve();

  const queued = () => [...queues.values()].reduce((sum, queue) => sum + queue.length, 0) + busy.size;
  function settle(): void {
    if (queued() > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    void writes.then(() => waiters.forEach((resolve) => resolve()));
  }

  function deadLetter(job: Job, code: ErrorCode, reason: string): void {
    deadLettered += 1;
    options.metrics?.webhookFailures.inc({ code });
    options.log.error({ code, url: job.target.url, alarm: job.alarmId, reason }, 'alarm notification undeliverable; kept in the dead-letter file');
    const line = `${JSON.stringify({ atMs: Date.now(), code, reason, url: job.target.url, style: job.target.style, alarmId: job.alarmId, change: job.change, body: job.body })}\n`;
    writes = writes
      .then(() => mkdir(dirname(options.deadLetterPath), { recursive: true, mode: 0o700 }))
      .then(() => appendFile(options.deadLetterPath, line, { mode: 0o600 }))
      .catch((error: unknown) => options.log.error({ err: error, path: options.deadLetterPath }, 'webhook dead-letter file not writable'));
  }

  async function attempt(job: Job): Promise<string | null> {
    try {
      const response = await fetch(job.target.url, {
        method: 'POST', body: job.body, headers: { 'content-type': 'application/json; charset=utf-8' },
        signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), stop.signal]),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? null : `answered ${response.status}`;
    } catch (error) {
      return (error as Error).message;
    }
  }

  async function deliver(job: Job): Promise<void> {
    let reason = 'not attempted';
    for (let n = 0; n < options.attempts && !stop.signal.aborted; n += 1) {
      const failure = await attempt(job);
      if (failure === null) {
        delivered += 1;
        options.metrics?.webhookDeliveries.inc();
        return;
      }
      reason = failure;
      failedAttempts += 1;
      options.metrics?.webhookFailures.inc({ code: 'WX_ERR_WEBHOOK_FAILED' });
      options.log.warn({ code: 'WX_ERR_WEBHOOK_FAILED', url: job.target.url, alarm: job.alarmId, attempt: n + 1, reason }, 'webhook delivery failed; retrying');
      if (n + 1 < options.attempts) {
        const wait = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** n) * (0.5 + Math.random() / 2);
        await delay(wait, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    }
    deadLetter(job, 'WX_ERR_WEBHOOK_UNDELIVERABLE', `${options.attempts} attempts failed; last: ${reason}`);
  }

  function pump(url: string): void {
    if (busy.has(url)) return;
    const queue = queues.get(url)!;
    const run = (async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await deliver(job);
    })();
    busy.set(url, run);
    void run.finally(() => {
      busy.delete(url);
      settle();
    });
  }

  return {
    notify(change) {
      for (const target of options.webhooks) {
        // A chat group hears of openings, acknowledgements and closings, not of every worse value.
        if (target.style === 'robot' && change.kind === 'updated') continue;
        const queue = queues.get(target.url)!;
        const job = { target, body: webhookBody(target.style, change), alarmId: change.alarm.id, change: change.kind };
        if (queue.length >= options.queueLimit) deadLetter(job, 'WX_ERR_WEBHOOK_UNDELIVERABLE', 'queue full');
        else {
          queue.push(job);
          pump(target.url);
        }
      }
    },
    stats: () => ({ delivered, failedAttempts, deadLettered, queued: queued() }),
    idle() {
      if (queued() === 0) return writes;
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      // What is still queued at shutdown is not lost: it goes to the dead-letter file.
      for (const queue of queues.values()) for (const job of queue.splice(0)) deadLetter(job, 'WX_ERR_WEBHOOK_UNDELIVERABLE', 'shutdown');
      stop.abort();
      await Promise.all(busy.values());
      await writes;
    },
  };
}
