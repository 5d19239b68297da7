import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { StuckDetector } from '../ingest/stuck-detector.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { deviceReportIntervalMs } from '../registry/report-interval.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { createAlarmEngine, type AlarmEngine } from './alarm-engine.ts';
import { createAlarmStore } from './alarm-store.ts';
import { createHoldClock } from './hold-clock.ts';
import type { Alarm } from './alarm-types.ts';
import { loadAlarmRules } from './load-rules.ts';
import { createWebhookNotifier, type WebhookNotifier } from './webhook-notifier.ts';

export interface Alarms extends AlarmEngine {
  readonly webhooks: WebhookNotifier;
}

export interface AlarmsDeps {
  readonly config: Config;
  readonly registry: DeviceRegistry;
  readonly influx: InfluxClient;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The stuck rule asks it a device's run of identical readings. */
  readonly stuck: Pick<StuckDetector, 'repeats' | 'stuckAfter'>;
  readonly now?: () => number;
  /** Alarms a cluster's previous leader held (services/cluster/cluster-alarms.ts). */
  readonly seed?: () => Promise<readonly Alarm[]>;
}

/**
 * The alarm service as the platform runs it: rules from the seed file (refused with
 * WX_ERR_SEED_INVALID before anything starts), history in InfluxDB, webhooks from the
 * configuration. Loading the rules is the only I/O before start().
 */
export async function createAlarms(deps: AlarmsDeps): Promise<Alarms> {
  const { config } = deps;
  const rules = config.alarms.enabled ? await loadAlarmRules(resolve(config.alarms.rulesFile)) : { version: 1 as const, rules: [] };
  const webhooks = createWebhookNotifier({
    webhooks: config.alarms.webhooks,
    deadLetterPath: join(config.dataDir, 'alarms', 'webhook-dead-letter.ndjson'),
    log: deps.log,
    attempts: config.alarms.webhookAttempts,
    baseDelayMs: config.alarms.webhookBaseDelayMs,
    maxDelayMs: config.alarms.webhookMaxDelayMs,
    timeoutMs: config.alarms.webhookTimeoutMs,
    queueLimit: config.alarms.webhookQueueLimit,
    metrics: deps.metrics,
    allowedHosts: config.alarms.webhookHosts,
  });
  const engine = createAlarmEngine({
    rules,
    registry: deps.registry,
    log: deps.log,
    metrics: deps.metrics,
    now: deps.now,
    seed: deps.seed,
    store: createAlarmStore({ influx: deps.influx, metrics: deps.metrics, log: deps.log, journalPath: join(config.dataDir, 'alarms', 'unwritten-changes.ndjson') }),
    holds: createHoldClock({ path: join(config.dataDir, 'alarms', 'hold-times.json'), log: deps.log }),
    sweepIntervalMs: config.alarms.sweepIntervalMs,
    context: {
      gridThresholds: { heavyPct: config.rollups.heavyLoadPct, overloadPct: config.rollups.overloadPct },
      reportIntervalMs: (device) => config.alarms.reportIntervalMs ?? deviceReportIntervalMs(device),
      stuck: deps.stuck,
    },
  });
  let unsubscribe: (() => void) | undefined;
  return {
    ...engine,
    webhooks,
    async start() {
      await engine.start();
      // Told once the change is kept, not as soon as it is made (alarm-engine.ts onKeptChange).
      if (config.alarms.webhooks.length > 0) unsubscribe = engine.onKeptChange((change) => webhooks.notify(change));
    },
    async close() {
      unsubscribe?.();
      await engine.close();
      await webhooks.close();
    },
  };
}

export type { Alarm, AlarmChange, AlarmService } from './alarm-types.ts';
