import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createWebhookNotifier, type WebhookNotifier } from '../alarms/webhook-notifier.ts';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { assertWebhookHostsAllowed } from '../alarms/webhook-url.ts';
import { loadAlarmRules } from '../alarms/load-rules.ts';
import { ruleGroups } from './alarm-groups.ts';
import { WanxiangError } from '../errors.ts';
import { dayMs } from './closed-horizon.ts';
import { loadDepartments } from './departments.ts';
import { createEventEngine, type EventEngine } from './event-engine.ts';
import { createEventMetrics } from './event-metrics.ts';
import { createEventStore } from './event-store.ts';

export interface Events extends EventEngine {
  readonly webhooks: WebhookNotifier;
}

export interface EventsDeps {
  readonly config: Config;
  readonly registry: DeviceRegistry;
  readonly influx: InfluxClient;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The lifecycle's clock (due times, escalation, holds); Date.now unless a test moves it. */
  readonly now?: () => number;
}

/**
 * Events as the platform runs them: departments and routes from their file (refused with
 * WX_ERR_SEED_INVALID before anything starts, and a webhook beyond alarms.webhookHosts with
 * WX_ERR_CONFIG), history in InfluxDB, department webhooks through the alarms' notifier with a
 * dead-letter file of their own. The alarm rules file is read for the group of each rule (only
 * alarms of one group join one event: alarm-groups.ts).
 */
export async function createEvents(deps: EventsDeps): Promise<Events> {
  const { config } = deps;
  const departments = await loadDepartments(resolve(config.events.departmentsFile));
  // A department token naming no department would open an empty desk and never say why.
  const known = new Set(departments.departments.map((department) => department.id));
  for (const token of config.http.tokens) {
    if (token.role === 'department' && !known.has(token.name ?? '')) {
      throw new WanxiangError('WX_ERR_UNKNOWN_DEPARTMENT', `WX_API_TOKENS: a department token names ${token.name ?? '(nothing)'}, which ${config.events.departmentsFile} does not hold (known: ${[...known].join(', ')})`, { value: token.name });
    }
  }
  // An event forgotten sooner than it may be reopened would open a second event for the recurrence.
  const keepClosedMs = config.events.keepClosedDays * dayMs;
  if (keepClosedMs < departments.reopenWindowMs) {
    throw new WanxiangError('WX_ERR_CONFIG', `events.keepClosedDays (${config.events.keepClosedDays}) is shorter than the departments file's reopenWindowMs (${departments.reopenWindowMs} ms): a closed event must be held while it may be reopened`, { value: config.events.keepClosedDays });
  }
  const webhookUrls = departments.departments.flatMap((department) => (department.webhook ? [department.webhook.url] : []));
  assertWebhookHostsAllowed(webhookUrls, config.alarms.webhookHosts, 'alarms.webhookHosts');
  const rules = config.alarms.enabled ? (await loadAlarmRules(resolve(config.alarms.rulesFile))).rules : [];
  const webhooks = createWebhookNotifier({
    webhooks: [],
    deadLetterPath: join(config.dataDir, 'events', 'webhook-dead-letter.ndjson'),
    log: deps.log,
    attempts: config.alarms.webhookAttempts,
    baseDelayMs: config.alarms.webhookBaseDelayMs,
    maxDelayMs: config.alarms.webhookMaxDelayMs,
    timeoutMs: config.alarms.webhookTimeoutMs,
    queueLimit: config.alarms.webhookQueueLimit,
    metrics: deps.metrics,
    allowedHosts: config.alarms.webhookHosts,
  });
  const engine = createEventEngine({
    departments,
    registry: deps.registry,
    groupOf: ruleGroups(rules),
    now: deps.now ?? Date.now,
    log: deps.log,
    store: createEventStore({ influx: deps.influx, metrics: deps.metrics, log: deps.log, journalPath: join(config.dataDir, 'events', 'unwritten-records.ndjson') }),
    notifier: webhooks,
    metrics: createEventMetrics(deps.metrics.registry),
    sweepIntervalMs: config.events.sweepIntervalMs,
    keepClosedMs,
    closeBySomeoneElse: config.events.closeBySomeoneElse,
  });
  return {
    ...engine,
    webhooks,
    async close() {
      await engine.close();
      await webhooks.close();
    },
  };
}

export type { EventEngine, EventService, EventQuery, EventAction } from './event-engine.ts';
export type { DistrictEvent, EventRecord, EventState } from './event-types.ts';
