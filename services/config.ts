import { z } from 'zod';
import { WanxiangError } from './errors.ts';
import { personRoles, reservedPersonNames } from './person-names.ts';
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
  /** The observer's secret for `record` (WX_OBSERVER_PASSWORD), never in argv (issue 18, item 20). */
  observerPassword: z.string().min(1).optional(),
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
      /** Connections in all, from every address (loopback too); at the limit a connection not yet logged in gives its slot to a new one. */
      maxConnections: positiveInt.default(20_000),
      connectionsPerAddress: positiveInt.default(1_000),
      /** Live sessions one device may hold (its own client id and `<id>-<suffix>` tools beside it). */
      sessionsPerDevice: positiveInt.default(16),
      /** Messages a device's persistent session may hold (queued while it is away, or sent and not yet acknowledged) before its refusal notices go at QoS 0 (not kept). */
      noticesQueuedWhileAway: z.number().int().min(0).default(100),
      /**
       * A device's own QoS 0/1 telemetry is read off the connection before aedes (services/broker/publish-front.ts):
       * stored and acknowledged without aedes's per-message work. `false`: every packet goes through aedes.
       */
      publishFront: z.boolean().default(true),
      /** QoS 2 messages a session may hold awaiting their PUBREL; past it the connection is closed. */
      maxInflightQos2: positiveInt.max(65_535).default(32),
      /** Addresses the per-address connection limit does not apply to (a local simulator fleet). */
      connectionLimitExempt: z.array(z.string()).default(['127.0.0.1', '::1', '::ffff:127.0.0.1']),
      /** Failed logins allowed per minute before further logins are refused for a while. */
      loginFailuresPerAddress: positiveInt.default(20),
      loginFailuresPerDevice: positiveInt.default(5),
      loginThrottleMs: positiveInt.default(60_000),
      // Issue 18 (items 4-6, 11): the broker's doors (services/broker, docs/security-devices.md).
      /** How long a failed login past the limits above waits for its answer; a right secret never waits for this. */
      loginFailureDelayMs: z.number().int().min(0).default(2_000),
      /** Secret verifications (scrypt) at once, in all, MQTT logins and HJ 212 PWs together; one at a time per address. libuv's pool has 4 threads, the spool's fsync needs some. */
      loginVerifyConcurrency: positiveInt.max(16).default(2),
      /** The largest first packet (CONNECT: client id, login, Last Will) taken before the login is checked. */
      maxConnectBytes: positiveInt.min(256).max(65_536).default(8_192),
      /**
       * Each device's token bucket: messages and readings a second, with a burst of burstSeconds of
       * each; past it the device's messages wait (backpressure on that device alone). Generous: the
       * bench offers ~800 messages/s a device, a backfill ~5,000 readings/s a device.
       */
      deviceMessagesPerSecond: positiveInt.default(2_000),
      deviceReadingsPerSecond: positiveInt.default(20_000),
      deviceBurstSeconds: z.number().positive().max(60).default(2),
    })
    .prefault({}),
  /** HJ 212 stations over TCP (issue 20, docs/devices.md); loopback by default like the broker. */
  hj212: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      /**
       * 0 picks a free port, -1 (the default, so that tests and embedded platforms bind no fixed
       * port) turns the receiver off; `npm start` turns it on at 9212 (package.json, like the broker's 1883).
       */
      port: z.number().int().min(-1).max(65_535).default(-1),
      /** The largest data segment taken: the standard allows 1024 bytes, devices send up to ~1,700; the length field 9999. */
      maxSegmentBytes: positiveInt.max(9_999).default(4_096),
      /** A connection silent this long is closed (HJ 212-2017 has no heartbeat: stations send every RtdInterval, 30 s by default). */
      idleTimeoutMs: positiveInt.default(15 * 60_000),
      /** A frame begun must be complete within this (slow-loris: bytes trickling in never finish a frame). */
      frameTimeoutMs: positiveInt.default(30_000),
      maxConnections: positiveInt.default(5_000),
      connectionsPerAddress: positiveInt.default(50),
      /** Addresses the per-address limit does not apply to (a local simulated fleet). */
      connectionLimitExempt: z.array(z.string()).default(['127.0.0.1', '::1', '::ffff:127.0.0.1']),
      /** Split packets (Flag bit D) wait this long for their other parts; at most maxSplitSets wait at once. */
      splitTimeoutMs: positiveInt.default(60_000),
      maxSplitSets: positiveInt.default(1_000),
      /** Packets of one connection waiting for the spool before the connection is paused (back-pressure). */
      maxPendingPackets: positiveInt.default(64),
      /**
       * Each station's token bucket (as mqtt.deviceMessagesPerSecond): packets and CP items a second,
       * with a burst of stationBurstSeconds of each; past it the station's packets wait, each in its
       * turn, stored and answered later (nothing is dropped), and its connections are read on for the
       * other stations of the same data terminal (stationFramesHeld).
       * A station sends a packet every 30 s; a history upload after an outage a few dozen a second.
       */
      stationPacketsPerSecond: positiveInt.default(100),
      stationItemsPerSecond: positiveInt.default(10_000),
      stationBurstSeconds: z.number().positive().max(60).default(2),
      /**
       * Frames of one station past its rate held on one connection while that connection is still
       * read for its other stations (a DTU carries several analysers); past it the connection is
       * paused until the station holds no more than this (TCP backpressure on the sender, so memory
       * stays bounded). maxPendingPackets still bounds the connection as a whole: keep this below it.
       */
      stationFramesHeld: positiveInt.default(16),
      /**
       * How old a station's DataTime may be: after an outage a logger uploads its backlog (补传, CN
       * 2011/2051/2061/2031 for the days it held), which the ingest's 7 days (ingest.maxAgeMs, for
       * MQTT devices) answered and dropped: 10 days of a station's history lost for good (red team 11).
       * The larger of this and ingest.maxAgeMs applies (a platform taking older data takes it from stations too).
       */
      maxAgeMs: positiveInt.default(366 * 24 * 3_600_000),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(3000),
      /** `open`: anyone may read; `token`: reads need a bearer token of any role. */
      readAccess: z.enum(['open', 'token']).default('open'),
      /** Bearer tokens and their roles; operator and admin actions need one. */
      tokens: z.array(z.strictObject({
        role: z.enum(personRoles), token: z.string().min(16),
        /** Who the token is (`operator:zhang.wei:TOKEN`), recorded on every action; a department token names its department. */
        name: z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/).optional(),
      }).refine((entry) => entry.role !== 'department' || entry.name !== undefined, 'a department token names its department: department:ID:TOKEN')
        // Actions record the name: `system` is the platform's own notes, another role's name reads as that role (red team 7).
        .refine((entry) => entry.name === undefined || entry.role === 'department' || entry.name === entry.role || !reservedPersonNames.has(entry.name), 'a token may not be named system or after another role')).default([]),
      /** The users file `wanxiang users` manages (named people, hashed tokens); default DATA_DIR/users.json. */
      usersFile: z.string().optional(),
      /**
       * How long a screen's sign-in (the session cookie of POST /api/v1/session) lasts, in days: a
       * wall screen runs unattended for weeks. At most 400, the cap browsers put on a cookie's
       * lifetime (RFC 6265bis §5.5, Max-Age limited to 400 days).
       */
      sessionDays: positiveInt.max(400).default(30),
      // Issue 18, the HTTP doors.
      /** Names besides IP literals, localhost and this host's own that requests may be addressed to (DNS rebinding). */
      allowedHosts: z.array(z.string().min(1).max(253)).default([]),
      /** Event-stream connections one address may hold. */
      streamsPerAddress: positiveInt.default(50),
      /** Event-stream slots only signed-in screens (a token or a session) may take: an anonymous flood leaves them free. */
      streamSlotsForSignedIn: z.number().int().min(0).default(100),
      /**
       * Event-stream connections one credential (a token, or the sessions its token signed in) may hold,
       * wherever they come from: one reader's or department's token took every slot, the wall's too (red team 11).
       */
      streamsPerCredential: positiveInt.default(50),
      /** Event-stream connections in all (the stream hub holds at most 1,000 whatever this says). */
      maxStreams: positiveInt.max(1_000).default(1_000),
      // The red-team pass on the HTTP API: a slow body held its connection for ever (Fastify 5 sets no timeout).
      /** A request's head and body arrive within this, or the connection is closed (408); an answer being written, an event stream above all, is not cut. */
      requestTimeoutMs: positiveInt.min(100).default(30_000),
      /** A connection that sends nothing for this long while the platform waits for it (before its first request, or in the middle of a body) is closed. */
      clientIdleMs: positiveInt.min(100).default(15_000),
      /** How long a wrong bearer token from an address past its 20 wrong ones a minute waits for its 429 (a right token never waits). */
      wrongTokenDelayMs: z.number().int().min(0).max(60_000).default(1_000),
      /**
       * Those held answers one address may have waiting at once (also for clients that gave up on
       * theirs); while it has this many, its requests' tokens are refused 429 without being checked
       * (not from an address connectionLimitExempt spares: every token from there is checked).
       */
      wrongTokensHeldPerAddress: positiveInt.max(10_000).default(32),
      /** HTTP connections one address may hold open at once; past it a new one is answered 429 and closed. */
      connectionsPerAddress: positiveInt.default(256),
      /**
       * Addresses the per-address cap does not apply to: loopback, where the wall, the simulators and
       * a reverse proxy on this host connect from (behind a proxy every client is its address: the proxy
       * limits per client then). Empty it to cap loopback too.
       */
      connectionLimitExempt: z.array(z.string()).default(['127.0.0.1', '::1', '::ffff:127.0.0.1']),
    })
    .prefault({}),
  influx: z
    .strictObject({
      /** An existing server; when absent a local influxd is started under dataDir. */
      url: z.url().optional(),
      database: z.string().regex(/^[A-Za-z0-9_]{1,64}$/).default('wanxiang'),
      retentionPolicy: z.string().regex(/^[A-Za-z0-9_]{1,64}$/).default('wanxiang_raw'),
      /** How long everything in the database is kept (readings, rollups, alarms, review marks: one policy); InfluxQL duration, INF for ever (docs/deploy.md#backups). */
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
      /** The local influxd's HTTP and RPC ports (without INFLUX_URL); 0 picks free ones (issue 19, item 7). */
      localPort: port.default(0),
      localRpcPort: port.default(0),
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
      /** Worker threads parsing telemetry (issue 26); unset: the cores − 1, at least 1; 0: in the broker's thread. */
      workers: z.number().int().min(0).max(256).optional(),
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
      // Issue 18, item 10: one device's refusals cannot rotate away the others' evidence nor drown the log.
      /** Dead-letter bytes a device's refusals may write a minute; past it they are counted, not written. */
      deviceBytesPerMinute: positiveInt.default(256 * 1024),
      /** Warn lines a device's refusals may write a minute. */
      deviceLogLinesPerMinute: positiveInt.default(20),
      /** How often the summary of what the budgets held back is logged. */
      summaryIntervalMs: positiveInt.default(60_000),
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
      /** Hosts (`host` or `host:port`) webhooks may point at, alarms' and departments' alike; any host when absent (issue 18, item 8). */
      webhookHosts: z.array(z.string().min(1).max(260)).optional(),
      })
      .prefault({}),
  /** Events (issue 23, docs/events.md): the work alarms start, routed to departments, escalated when late. */
  events: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Departments, routes, due times and windows; an installation's copy holds the departments' webhooks. */
      departmentsFile: z.string().default('seeds/departments.json'),
      /** How often due times (escalation) and holds (closing once clear) are checked. */
      sweepIntervalMs: positiveInt.default(10_000),
      /**
       * Days a closed event is held in memory after its close, for the API, the desk and the figures;
       * older ones are left in InfluxDB, not replayed at start (services/events/closed-horizon.ts).
       * 400 keeps the figures' 52 weeks whole; at least 28, the desk's four weeks of figures.
       */
      keepClosedDays: positiveInt.min(28).max(36_500).default(400),
      /** Four eyes: the person who resolved an event may not verify and close it (409 WX_ERR_EVENT_SAME_PERSON); another operator does. */
      closeBySomeoneElse: z.boolean().default(false),
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
      /** Shared-subscription group: the workers of one group split the stream; derived from the ingest login's secret when absent (cluster/shared-group.ts). */
      sharedGroup: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
      /** Subscriber sessions per worker; each keeps up to 64 messages in flight to the spool. */
      sessions: positiveInt.max(64).default(4),
      /** This node's stable name: the broker client ids of its sessions and its leader claim. */
      nodeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
      /** Redis shared by the platform nodes: broker routing, sessions, retained messages, leader, registry. */
      redisUrl: z.string().regex(/^rediss?:\/\//).optional(),
      redisPrefix: z.string().regex(/^[A-Za-z0-9_:-]{1,64}$/).default('wanxiang'),
      /** The leader's lease; renewed every third of it, taken over by another node once it lapses. */
      leaderLeaseMs: positiveInt.min(500).default(10_000),
      /**
       * The secret EMQX's HTTP authenticator sends (header x-wanxiang-broker-secret) to POST /api/v1/auth/mqtt;
       * without it, or without brokerUrl, that endpoint is not registered (issue 18 item 2).
       */
      brokerAuthSecret: z.string().min(32).optional(),
    })
    .prefault({}),
  /** The data folder's disk (issue 19, item 2): an alarm before it is full. */
  disk: z
    .strictObject({
      /** Below this share of free space (per cent) the disk-low alarm is on (WX_DISK_LOW_FREE_PCT). */
      lowFreePct: z.number().min(0).max(100).default(10),
      checkIntervalMs: positiveInt.min(100).default(10_000),
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

/**
 * Deep-merges configuration inputs; the override's leaves win, and an array is a leaf: merged key by
 * key, backfill's `webhooks: []` over WX_ALARM_WEBHOOKS became an object and was refused (red team 6).
 */
export function mergeConfigInput(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  const mergeable = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!mergeable(base) || !mergeable(override)) return override;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) result[key] = mergeConfigInput(result[key], value);
  return result;
}
