import { mergeConfigInput, parseConfig, type Config, type ConfigInput } from './config.ts';

/**
 * Every environment variable the platform reads: where it goes in the configuration and what it
 * means. docs/configuration.md is generated from this table and the schema above
 * (`npm run docs:config`); a test fails when the page and the code differ.
 */
export interface EnvBinding {
  readonly env: string;
  /** Dotted path into the configuration, e.g. `mqtt.port`. */
  readonly path: string;
  readonly parse: (text: string) => unknown;
  readonly description: string;
}

const text = (value: string) => value;
const number = (value: string) => Number(value);
const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);

export const envBindings: readonly EnvBinding[] = [
  { env: 'WX_DATA_DIR', path: 'dataDir', parse: text, description: 'The data folder: spool, registry, raw payloads, dead letters, the local influxd.' },
  { env: 'WX_REGISTRY_FILE', path: 'registryFile', parse: text, description: 'A device registry of your own (then no installation key is made).' },
  { env: 'WX_FLEET_KEY', path: 'fleetKey', parse: text, description: 'The key the fleet\'s device secrets derive from; never logged.' },
  { env: 'WX_OBSERVER_PASSWORD', path: 'observerPassword', parse: text, description: 'The observer login\'s password for `wanxiang record` (or a file / stdin: see `wanxiang record --help`); never logged.' },
  { env: 'WX_LOG_LEVEL', path: 'logLevel', parse: text, description: 'How much is logged (JSON lines on stderr; a command\'s results alone go to stdout).' },
  { env: 'WX_ALLOW_INSECURE_DEMO', path: 'allowInsecureDemo', parse: (value) => value === '1', description: '`1` allows listening beyond loopback with the development key or without tokens (a demo on a trusted network).' },
  { env: 'WX_MQTT_HOST', path: 'mqtt.host', parse: text, description: 'Address the MQTT listeners bind to.' },
  { env: 'WX_MQTT_PORT', path: 'mqtt.port', parse: number, description: 'MQTT over TCP.' },
  { env: 'WX_MQTT_WS_PORT', path: 'mqtt.wsPort', parse: number, description: 'MQTT over WebSocket; -1 turns it off.' },
  { env: 'WX_MQTT_PUBLISH_FRONT', path: 'mqtt.publishFront', parse: (value) => value !== '0', description: '`0` sends every MQTT packet through aedes (no front for devices\' telemetry; docs/performance.md).' },
  { env: 'WX_TOPIC_PREFIX', path: 'mqtt.topicPrefix', parse: text, description: 'First level of every topic.' },
  { env: 'WX_TLS_CERT_FILE', path: 'mqtt.tls.certFile', parse: text, description: 'PEM certificate for MQTT over TLS and WebSocket over TLS (with WX_TLS_KEY_FILE).' },
  { env: 'WX_TLS_KEY_FILE', path: 'mqtt.tls.keyFile', parse: text, description: 'PEM private key for the TLS listeners.' },
  { env: 'WX_MQTT_TLS_PORT', path: 'mqtt.tls.port', parse: number, description: 'MQTT over TLS.' },
  { env: 'WX_HJ212_HOST', path: 'hj212.host', parse: text, description: 'Address the HJ 212 receiver binds to (stations over TCP, docs/devices.md).' },
  { env: 'WX_HJ212_PORT', path: 'hj212.port', parse: number, description: 'HJ 212 stations over TCP; -1 (the default) turns the receiver off, `npm start` uses 9212.' },
  { env: 'WX_HTTP_HOST', path: 'http.host', parse: text, description: 'Address the API and the screen bind to.' },
  { env: 'WX_HTTP_PORT', path: 'http.port', parse: number, description: 'The API and the screen.' },
  { env: 'WX_API_READ_ACCESS', path: 'http.readAccess', parse: text, description: '`open`: anyone on the network may read; `token`: reads need a bearer token or a sign-in.' },
  { env: 'WX_API_TOKENS', path: 'http.tokens', parse: parseTokens, description: '`role:TOKEN` or `role:name:TOKEN,...` bearer tokens (16 characters or more), a name recorded on every action; `department:ID:TOKEN` for a department; never logged.' },
  { env: 'WX_SESSION_DAYS', path: 'http.sessionDays', parse: number, description: 'How long a screen\'s sign-in lasts.' },
  { env: 'WX_HTTP_ALLOWED_HOSTS', path: 'http.allowedHosts', parse: list, description: 'Host names the API answers to beyond loopback and its own address, comma-separated (a DNS-rebinding page gets 421).' },
  { env: 'WX_STREAMS_PER_ADDRESS', path: 'http.streamsPerAddress', parse: number, description: 'Live event streams one address may hold open.' },
  { env: 'WX_HTTP_REQUEST_TIMEOUT_MS', path: 'http.requestTimeoutMs', parse: number, description: 'A request\'s head and body must arrive within this (a slow body is closed, 408); answers and event streams are not cut.' },
  { env: 'WX_HTTP_CLIENT_IDLE_MS', path: 'http.clientIdleMs', parse: number, description: 'A connection silent this long before its first request or in the middle of a body is closed.' },
  { env: 'WX_HTTP_CONNECTIONS_PER_ADDRESS', path: 'http.connectionsPerAddress', parse: number, description: 'HTTP connections one address may hold open; past it 429 and closed (loopback exempt unless http.connectionLimitExempt says otherwise).' },
  { env: 'WX_HTTP_CONNECTION_LIMIT_EXEMPT', path: 'http.connectionLimitExempt', parse: list, description: 'Addresses the per-address HTTP connection cap does not apply to, comma-separated; default loopback (a proxy on this host then limits per client).' },
  { env: 'INFLUX_URL', path: 'influx.url', parse: text, description: 'An existing InfluxDB (1.x, 2.x v1 API, 3.x); without it a local influxd is started in the data folder.' },
  { env: 'INFLUX_URLS', path: 'influx.urls', parse: list, description: 'Several endpoints of one logical InfluxDB, comma-separated: balanced and failed over.' },
  { env: 'INFLUX_DB', path: 'influx.database', parse: text, description: 'The database (bucket mapping on 2.x/3.x).' },
  { env: 'INFLUX_TOKEN', path: 'influx.token', parse: text, description: 'InfluxDB 2.x/3.x token; never logged.' },
  { env: 'INFLUX_USERNAME', path: 'influx.username', parse: text, description: 'InfluxDB 1.x user.' },
  { env: 'INFLUX_PASSWORD', path: 'influx.password', parse: text, description: 'InfluxDB 1.x password; never logged.' },
  { env: 'WX_INFLUXD_PORT', path: 'influx.localPort', parse: number, description: 'The HTTP port of the local influxd started without INFLUX_URL (`start --influxd-port`); 0 picks a free one.' },
  { env: 'WX_INFLUXD_RPC_PORT', path: 'influx.localRpcPort', parse: number, description: 'The backup/restore RPC port of the local influxd (`start --influxd-rpc-port`); 0 picks a free one.' },
  { env: 'WX_MAX_AGE_MS', path: 'ingest.maxAgeMs', parse: number, description: 'Readings older than this are refused (raise it to backfill old data).' },
  { env: 'WX_INGEST_WORKERS', path: 'ingest.workers', parse: number, description: 'Worker threads that parse, validate and encode telemetry (docs/performance.md); unset: the cores − 1 with 4 cores or more, else 0; `0`: all in the broker\'s thread.' },
  { env: 'WX_BROKER_URL', path: 'cluster.brokerUrl', parse: text, description: 'Ingest from this external broker (mosquitto, EMQX) as shared-subscription workers.' },
  { env: 'WX_BROKER_USERNAME', path: 'cluster.brokerUsername', parse: text, description: 'The ingest workers\' login at the external broker.' },
  { env: 'WX_BROKER_PASSWORD', path: 'cluster.brokerPassword', parse: text, description: 'Its password; derived from the fleet key when unset.' },
  { env: 'WX_NODE_ID', path: 'cluster.nodeId', parse: text, description: 'This node\'s stable name in a cluster.' },
  { env: 'WX_BROKER_AUTH_SECRET', path: 'cluster.brokerAuthSecret', parse: text, description: 'The header secret EMQX\'s HTTP authenticator sends to `POST /api/v1/auth/mqtt` (the endpoint exists only with an external broker).' },
  { env: 'WX_REDIS_URL', path: 'cluster.redisUrl', parse: text, description: 'Redis shared by the nodes of a cluster.' },
  { env: 'WX_DISK_LOW_FREE_PCT', path: 'disk.lowFreePct', parse: number, description: 'Below this share of free space on the data folder\'s disk the disk-low alarm fires.' },
  { env: 'WX_SIMULATE', path: 'simulate.enabled', parse: (value) => value !== '0', description: '`0` starts no simulated fleet.' },
  { env: 'WX_ALARM_RULES_FILE', path: 'alarms.rulesFile', parse: text, description: 'Alarm rules of your own.' },
  { env: 'WX_ALARM_WEBHOOKS', path: 'alarms.webhooks', parse: parseWebhooks, description: '`robot:URL,json:URL`: where alarm changes are POSTed.' },
  // Issue 18 item 8 and issue 23 (events, named people): docs/events.md
  { env: 'WX_WEBHOOK_HOSTS', path: 'alarms.webhookHosts', parse: list, description: 'Hosts (`host` or `host:port`, comma-separated) webhooks may point at, alarms\' and departments\' alike; any host when unset.' },
  { env: 'WX_USERS_FILE', path: 'http.usersFile', parse: text, description: 'The users file `wanxiang users` manages (named people, hashed tokens); default DATA_DIR/users.json.' },
  { env: 'WX_DEPARTMENTS_FILE', path: 'events.departmentsFile', parse: text, description: 'Departments, routing, due times and their webhooks (default seeds/departments.json).' },
  { env: 'WX_EVENTS_CLOSE_BY_SOMEONE_ELSE', path: 'events.closeBySomeoneElse', parse: (value) => value === '1', description: '`1`: the person who resolved an event may not verify and close it; another operator does (four eyes).' },
];

/** Whether the environment sets a variable of envBindings (a command's own default then yields to it). */
export const envSets = (env: NodeJS.ProcessEnv, name: string): boolean => envBindings.some((binding) => binding.env === name) && env[name] !== undefined && env[name] !== '';

/** The one place where the environment is read. Flags (overrides) win over environment. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: ConfigInput = {}): Config {
  const fromEnv: Record<string, unknown> = {};
  for (const binding of envBindings) {
    const value = env[binding.env];
    if (value !== undefined && value !== '') setPath(fromEnv, binding.path, binding.parse(value));
  }
  // A key or registry of one's own means no installation key is made (services/installation.ts).
  if (env.WX_FLEET_KEY || env.WX_REGISTRY_FILE) fromEnv.installationKey = false;
  return parseConfig(mergeConfigInput(fromEnv, overrides));
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/**
 * `WX_API_TOKENS=admin:TOKEN,operator:zhang.wei:TOKEN`: roles, optional names (issue 23, item 1) and
 * tokens, never logged. The middle part is a name when it looks like one; a token may hold colons.
 */
function parseTokens(text: string | undefined): Array<{ role: string; token: string; name?: string }> | undefined {
  if (!text) return undefined;
  return text.split(',').filter(Boolean).map((pair) => {
    const [role = '', ...rest] = pair.split(':');
    const named = rest.length >= 2 && /^[a-z][a-z0-9._-]{0,63}$/.test(rest[0]!.trim());
    return named ? { role: role.trim(), name: rest[0]!.trim(), token: rest.slice(1).join(':').trim() } : { role: role.trim(), token: rest.join(':').trim() };
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
