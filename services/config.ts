import { z } from 'zod';
import { WanxiangError } from './errors.ts';
import { formatZodIssues } from './zod-issues.ts';

/** Development-only key from which the simulated fleet's secrets derive (see secrets.ts). */
export const defaultFleetKey = 'wanxiang-development-fleet-key';

const port = z.number().int().min(0).max(65_535);
const positiveInt = z.number().int().positive();

export const configSchema = z.strictObject({
  dataDir: z.string().default('data'),
  registryFile: z.string().default('seeds/devices.json'),
  targetsFile: z.string().default('seeds/targets.json'),
  fleetKey: z.string().min(8).default(defaultFleetKey),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Listening beyond loopback with the development fleet key (whose derived secrets anyone can
   * compute from the source) or without admin and operator tokens is refused unless this is set,
   * for a demo on a trusted network (mosquitto 2.0 made the same choice: local only by default).
   */
  allowInsecureDemo: z.boolean().default(false),
  /**
   * Without WX_FLEET_KEY and WX_REGISTRY_FILE, `start` keeps a fleet key of this installation in
   * the data folder and derives its registry from the seeds there (services/installation.ts).
   */
  installationKey: z.boolean().default(true),
  mqtt: z
    .strictObject({
      /** Loopback by default: a network listener is a decision (see allowInsecureDemo). */
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(1883),
      /** MQTT over WebSocket; 0 picks a free port, -1 turns it off. */
      wsPort: z.number().int().min(-1).max(65_535).default(8083),
      topicPrefix: z.string().regex(/^[a-z0-9-]{1,32}$/).default('luohu'),
      maxPayloadBytes: positiveInt.max(16 * 1024 * 1024).default(256 * 1024),
      /** MQTT over TLS and WebSocket over TLS, with certificates from files; off without cert and key. */
      tls: z
        .strictObject({
          certFile: z.string(),
          keyFile: z.string(),
          port: port.default(8883),
          wssPort: z.number().int().min(-1).max(65_535).default(8884),
        })
        .optional(),
      /** The longest keep-alive a client may ask for, in seconds (a client asking 0, never, is refused). */
      keepaliveLimitS: positiveInt.max(65_535).default(600),
      connectionsPerAddress: positiveInt.default(1_000),
      /** Addresses the per-address connection limit does not apply to (a local simulator fleet). */
      connectionLimitExempt: z.array(z.string()).default(['127.0.0.1', '::1', '::ffff:127.0.0.1']),
      /** Failed logins allowed per minute before further logins are refused for a while. */
      loginFailuresPerAddress: positiveInt.default(20),
      loginFailuresPerDevice: positiveInt.default(5),
      loginThrottleMs: positiveInt.default(60_000),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(3000),
      /** `open`: anyone may read; `token`: reads need a bearer token of any role. */
      readAccess: z.enum(['open', 'token']).default('open'),
      /** Bearer tokens and their roles; operator and admin actions need one. */
      tokens: z.array(z.strictObject({ role: z.enum(['reader', 'operator', 'admin', 'officer']), token: z.string().min(16) })).default([]),
      /**
       * How long a screen's sign-in (the session cookie of POST /api/v1/session) lasts, in days: a
       * wall screen runs unattended for weeks. At most 400, the cap browsers put on a cookie's
       * lifetime (RFC 6265bis §5.5, Max-Age limited to 400 days).
       */
      sessionDays: positiveInt.max(400).default(30),
    })
    .prefault({}),
  influx: z
    .strictObject({
      /** An existing server; when absent a local influxd is started under dataDir. */
      url: z.url().optional(),
      database: z.string().regex(/^[A-Za-z0-9_]{1,64}$/).default('wanxiang'),
      retentionPolicy: z.string().regex(/^[A-Za-z0-9_]{1,64}$/).default('wanxiang_raw'),
      /** How long raw readings are kept; InfluxQL duration, INF for ever. */
      retention: z.string().regex(/^(INF|\d+[hdw])$/).default('INF'),
      token: z.string().optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      requestTimeoutMs: positiveInt.default(30_000),
      /**
       * Several endpoints of one logical InfluxDB (Enterprise/Clustered data nodes, relays, or
       * InfluxDB 3 with its v1 API): requests are balanced over the healthy ones and fail over.
       * Takes the place of `url` when given (docs/deploy-city.md).
       */
      urls: z.array(z.url()).min(1).optional(),
      /** How long an endpoint that failed stays out of rotation before it is pinged again. */
      endpointRetryMs: positiveInt.default(5_000),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      maxBatchReadings: positiveInt.max(10_000).default(500),
      batchSize: positiveInt.max(100_000).default(5_000),
      flushIntervalMs: positiveInt.default(1_000),
      /** Writes in flight: 4, as the raw /write ceiling is measured, lets influxd use both cores (README, Speed). */
      writeConcurrency: positiveInt.max(16).default(4),
      /** The longest wait between retries of a write InfluxDB could not take (5xx, 429, down). */
      retryMaxDelayMs: positiveInt.default(30_000),
      maxFutureMs: positiveInt.default(5 * 60_000),
      maxAgeMs: positiveInt.default(7 * 24 * 3_600_000),
      /** Identical consecutive readings from a device before they are flagged as a stuck sensor. */
      stuckAfter: positiveInt.default(5),
    })
    .prefault({}),
  /** The durable spool under dataDir/spool: accepted readings are on disk before the PUBACK. */
  spool: z
    .strictObject({
      maxBytes: positiveInt.default(1024 * 1024 * 1024),
      segmentBytes: positiveInt.default(16 * 1024 * 1024),
      fsyncIntervalMs: z.number().min(0).max(1_000).default(10),
    })
    .prefault({}),
  rollups: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalMs: positiveInt.default(10_000),
      concurrency: positiveInt.max(8).default(2),
      /** Utilities differ: the heavy-load and overload thresholds and how long they must last. */
      heavyLoadPct: z.number().positive().default(80),
      overloadPct: z.number().positive().default(100),
      sustainedPoints: positiveInt.default(8),
    })
    .prefault({}),
  deadLetter: z
    .strictObject({
      maxFileBytes: positiveInt.default(10 * 1024 * 1024),
      maxFiles: positiveInt.max(100).default(5),
      maxPayloadBytes: positiveInt.default(4_096),
    })
    .prefault({}),
  /** Alarm rules over accepted readings (services/alarms), their history and their notifications. */
  alarms: z
    .strictObject({
      enabled: z.boolean().default(true),
      rulesFile: z.string().default('seeds/alarm-rules.json'),
      /** How often silent devices and hold times are checked. */
      sweepIntervalMs: positiveInt.default(5_000),
      /** The report interval silence is measured in, for every device; by default each family's own. */
      reportIntervalMs: positiveInt.optional(),
      /** Where alarm changes are POSTed: `json` (the change as JSON) or `robot` (WeCom/DingTalk text message). */
      webhooks: z.array(z.strictObject({ url: z.url(), style: z.enum(['json', 'robot']) })).default([]),
      webhookAttempts: positiveInt.max(20).default(5),
      webhookBaseDelayMs: positiveInt.default(1_000),
      webhookMaxDelayMs: positiveInt.default(60_000),
      webhookTimeoutMs: positiveInt.default(10_000),
      /** Notifications waiting per webhook; beyond it they go straight to the dead-letter file. */
      webhookQueueLimit: positiveInt.default(1_000),
      })
      .prefault({}),
  /** Scale-out (docs/deploy-city.md): an external broker, a Redis-shared embedded broker, one leader. */
  cluster: z
    .strictObject({
      /** Ingest as a shared-subscription client of this broker instead of running the embedded one. */
      brokerUrl: z.url().optional(),
      /** The broker login of the ingest workers; its secret derives from fleetKey unless given. */
      brokerUsername: z.string().min(1).default('wanxiang-ingest'),
      brokerPassword: z.string().optional(),
      /** Shared-subscription group: the workers of one group split the stream. */
      sharedGroup: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('wanxiang'),
      /** Subscriber sessions per worker; each keeps up to 64 messages in flight to the spool. */
      sessions: positiveInt.max(64).default(4),
      /** This node's stable name: the broker client ids of its sessions and its leader claim. */
      nodeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
      /** Redis shared by the platform nodes: broker routing, sessions, retained messages, leader, registry. */
      redisUrl: z.string().regex(/^rediss?:\/\//).optional(),
      redisPrefix: z.string().regex(/^[A-Za-z0-9_:-]{1,64}$/).default('wanxiang'),
      /** The leader's lease; renewed every third of it, taken over by another node once it lapses. */
      leaderLeaseMs: positiveInt.min(500).default(10_000),
    })
    .prefault({}),
  simulate: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Report interval of the local demo fleet; real families report less often. */
      intervalMs: positiveInt.default(5_000),
      seed: z.number().int().default(2025),
      /** Replay this recording (shifted to end now) instead of simulating. */
      replayFile: z.string().optional(),
      replaySpeed: z.number().positive().default(60),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Validates a configuration; all problems are reported at once, before anything starts. */
export function parseConfig(input: unknown): Config {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new WanxiangError('WX_ERR_CONFIG', `invalid configuration: ${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

const envToNumber = (value: string | undefined) => (value === undefined || value === '' ? undefined : Number(value));

/** The one place where the environment is read. Flags (overrides) win over environment. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: ConfigInput = {}): Config {
  const fromEnv = {
    dataDir: env.WX_DATA_DIR,
    registryFile: env.WX_REGISTRY_FILE,
    fleetKey: env.WX_FLEET_KEY || undefined,
    logLevel: env.WX_LOG_LEVEL,
    installationKey: env.WX_FLEET_KEY || env.WX_REGISTRY_FILE ? false : undefined,
    allowInsecureDemo: env.WX_ALLOW_INSECURE_DEMO === undefined || env.WX_ALLOW_INSECURE_DEMO === '' ? undefined : env.WX_ALLOW_INSECURE_DEMO === '1',
    mqtt: {
      host: env.WX_MQTT_HOST || undefined,
      port: envToNumber(env.WX_MQTT_PORT),
      wsPort: envToNumber(env.WX_MQTT_WS_PORT),
      topicPrefix: env.WX_TOPIC_PREFIX,
      tls: env.WX_TLS_CERT_FILE ? { certFile: env.WX_TLS_CERT_FILE, keyFile: env.WX_TLS_KEY_FILE, port: envToNumber(env.WX_MQTT_TLS_PORT) } : undefined,
    },
    http: { host: env.WX_HTTP_HOST || undefined, port: envToNumber(env.WX_HTTP_PORT), readAccess: env.WX_API_READ_ACCESS, tokens: parseTokens(env.WX_API_TOKENS), sessionDays: envToNumber(env.WX_SESSION_DAYS) },
    influx: {
      url: env.INFLUX_URL || undefined,
      database: env.INFLUX_DB,
      token: env.INFLUX_TOKEN,
      username: env.INFLUX_USERNAME,
      password: env.INFLUX_PASSWORD,
      urls: env.INFLUX_URLS ? env.INFLUX_URLS.split(',').map((url) => url.trim()).filter(Boolean) : undefined,
    },
    ingest: { maxAgeMs: envToNumber(env.WX_MAX_AGE_MS) },
    cluster: {
      brokerUrl: env.WX_BROKER_URL || undefined,
      brokerUsername: env.WX_BROKER_USERNAME,
      brokerPassword: env.WX_BROKER_PASSWORD,
      nodeId: env.WX_NODE_ID,
      redisUrl: env.WX_REDIS_URL || undefined,
    },
    simulate: { enabled: env.WX_SIMULATE === undefined ? undefined : env.WX_SIMULATE !== '0' },
    alarms: { rulesFile: env.WX_ALARM_RULES_FILE, webhooks: parseWebhooks(env.WX_ALARM_WEBHOOKS) },
  };
  return parseConfig(mergeConfigInput(dropUndefined(fromEnv), overrides));
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Refuses to listen beyond loopback with the development fleet key or without admin and
 * operator tokens, unless allowInsecureDemo is set: one line naming the setting to change.
 */
export function assertSafeExposure(config: Config): void {
  if (config.allowInsecureDemo) return;
  const optIn = 'or set WX_ALLOW_INSECURE_DEMO=1 (start --insecure-demo) for a demo on a trusted network';
  const exposed = [
    ...(isLoopback(config.mqtt.host) ? [] : [`MQTT on ${config.mqtt.host}`]),
    ...(isLoopback(config.http.host) ? [] : [`the API on ${config.http.host}`]),
  ];
  if (exposed.length === 0) return;
  if (config.fleetKey === defaultFleetKey) {
    throw new WanxiangError('WX_ERR_INSECURE_LISTEN', `${exposed.join(' and ')} would listen beyond loopback with the development fleet key, from which anyone can derive every seeded device's secret: set WX_FLEET_KEY to a key of your own (or leave it and WX_REGISTRY_FILE unset: start then makes one for this installation), listen on 127.0.0.1 (WX_MQTT_HOST, WX_HTTP_HOST, --host), ${optIn}`);
  }
  const roles = new Set(config.http.tokens.map((token) => token.role));
  const missing = (['admin', 'operator'] as const).filter((role) => !roles.has(role));
  if (!isLoopback(config.http.host) && missing.length > 0) {
    throw new WanxiangError('WX_ERR_INSECURE_LISTEN', `the API would listen on ${config.http.host} without a token for ${missing.join(' and ')}: set WX_API_TOKENS=admin:TOKEN,operator:TOKEN (16 characters or more), listen on 127.0.0.1 (WX_HTTP_HOST, --host), ${optIn}`);
  }
}

/** `WX_API_TOKENS=admin:TOKEN,operator:TOKEN`: roles and tokens, never logged. */
function parseTokens(text: string | undefined): Array<{ role: string; token: string }> | undefined {
  if (!text) return undefined;
  return text.split(',').filter(Boolean).map((pair) => {
    const [role = '', ...token] = pair.split(':');
    return { role: role.trim(), token: token.join(':').trim() };
  });
}

/** `WX_ALARM_WEBHOOKS=robot:https://qyapi.weixin.qq.com/...,json:https://ops.example/alarms`: style and URL. */
function parseWebhooks(text: string | undefined): Array<{ style: string; url: string }> | undefined {
  if (!text) return undefined;
  return text.split(',').filter(Boolean).map((pair) => {
    const [style = '', ...url] = pair.split(':');
    return { style: style.trim(), url: url.join(':').trim() };
  });
}

function dropUndefined(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, dropUndefined(v)]);
  return Object.fromEntries(entries);
}

/** Deep-merges configuration inputs; the override's leaves win. */
export function mergeConfigInput(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (typeof base !== 'object' || base === null || typeof override !== 'object' || override === null) return override;
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) result[key] = mergeConfigInput(result[key], value);
  return result;
}
