import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ErrorCode } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { AlarmChange } from './alarm-types.ts';
import { discardAnswer } from './webhook-answer.ts';
import { webhookBody, type WebhookStyle } from './webhook-bodies.ts';
import { assertWebhookHostsAllowed, webhookHostAllowed, webhookLabel } from './webhook-url.ts';

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
  /**
   * Hosts (`host` or `host:port`) webhooks may point at; every host when absent. A webhook beyond it
   * is refused at creation (WX_ERR_CONFIG) and again before each delivery (issue 18, item 8).
   */
  readonly allowedHosts?: readonly string[];
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
  /**
   * Queues a ready-made body for one target (a department's webhook, services/events): the same
   * queues, retries, redirect refusal and dead-letter file as alarm changes. `id` and `kind` name
   * what it is about in logs and the dead-letter file.
   */
  send(target: WebhookTarget, body: string, id: string, kind: string): void;
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
  assertWebhookHostsAllowed(options.webhooks.map((target) => target.url), options.allowedHosts, 'alarms.webhookHosts');
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
    options.log.error({ code, url: webhookLabel(job.target.url), alarm: job.alarmId, reason }, 'alarm notification undeliverable; kept in the dead-letter file');
    // Origin and path only: a robot's key never reaches the file (issue 18, item 9); it is 0600 in a 0700 folder besides.
    const line = `${JSON.stringify({ atMs: Date.now(), code, reason, url: webhookLabel(job.target.url), style: job.target.style, alarmId: job.alarmId, change: job.change, body: job.body })}\n`;
    writes = writes
      .then(() => mkdir(dirname(options.deadLetterPath), { recursive: true, mode: 0o700 }))
      .then(() => appendFile(options.deadLetterPath, line, { mode: 0o600 }))
      .catch((error: unknown) => options.log.error({ err: error, path: options.deadLetterPath }, 'webhook dead-letter file not writable'));
  }

  /** null when delivered; otherwise why not, and whether another attempt could change it. */
  async function attempt(job: Job): Promise<{ reason: string; final: boolean } | null> {
    if (!webhookHostAllowed(job.target.url, options.allowedHosts)) return { reason: 'host not on the allow-list', final: true };
    try {
      // A redirect is never followed: a receiver answering 307 to a local address would otherwise
      // make the platform POST wherever it says (issue 18, item 8: it ran CREATE DATABASE on InfluxDB).
      const response = await fetch(job.target.url, {
        method: 'POST', body: job.body, headers: { 'content-type': 'application/json; charset=utf-8' }, redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), stop.signal]),
      });
      await discardAnswer(response);
      if (response.status >= 300 && response.status < 400) return { reason: `answered ${response.status}, a redirect (not followed)`, final: true };
      return response.ok ? null : { reason: `answered ${response.status}`, final: false };
    } catch (error) {
      // The message of a failed fetch names no URL; its cause is not logged, in case one ever does.
      return { reason: (error as Error).message, final: false };
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
      reason = failure.reason;
      failedAttempts += 1;
      options.metrics?.webhookFailures.inc({ code: 'WX_ERR_WEBHOOK_FAILED' });
      if (failure.final) {
        deadLetter(job, 'WX_ERR_WEBHOOK_UNDELIVERABLE', `not retried: ${reason}`);
        return;
      }
      options.log.warn({ code: 'WX_ERR_WEBHOOK_FAILED', url: webhookLabel(job.target.url), alarm: job.alarmId, attempt: n + 1, reason }, 'webhook delivery failed; retrying');
      if (n + 1 < options.attempts) {
        const wait = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** n) * (0.5 + Math.random() / 2);
        await delay(wait, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    }
    deadLetter(job, 'WX_ERR_WEBHOOK_UNDELIVERABLE', `${options.attempts} attempts failed; last: ${reason}`);
  }

  function pump(url: string): void {
    if (busy.has(url)) return;
    const queue = queues.get(url) ?? [];
    const run = (async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await deliver(job);
    })();
    busy.set(url, run);
    void run.finally(() => {
      busy.delete(url);
      settle();
    });
  }

  function enqueue(job: Job): void {
    let queue = queues.get(job.target.url);
    if (!queue) queues.set(job.target.url, (queue = []));
    if (queue.length >= options.queueLimit) deadLetter(job, 'WX_ERR_WEBHOOK_UNDELIVERABLE', 'queue full');
    else {
      queue.push(job);
      pump(job.target.url);
    }
  }

  return {
    notify(change) {
      for (const target of options.webhooks) {
        // A chat group hears of openings, acknowledgements and closings, not of every worse value.
        if (target.style === 'robot' && change.kind === 'updated') continue;
        enqueue({ target, body: webhookBody(target.style, change), alarmId: change.alarm.id, change: change.kind });
      }
    },
    send(target, body, id, kind) {
      enqueue({ target, body, alarmId: id, change: kind });
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
