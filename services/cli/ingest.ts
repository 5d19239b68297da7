import { configFromEnv, type ConfigInput } from '../config.ts';
import { createLogger } from '../log.ts';
import { createPlatform } from '../platform.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';
import { runUntilSignal } from './run-platform.ts';

const spec = {
  name: 'ingest',
  summary: 'ingest as a shared-subscription client of an MQTT broker (mosquitto, EMQX, ...)',
  description: `Every worker of a group gets a share of $share/GROUP/PREFIX/v1/+/+/telemetry and .../status at
QoS 1; each message is acknowledged to the broker only once it is in this worker's spool.
Device logins and ACLs are the broker's (wanxiang devices export --mosquitto DIR).`,
  options: {
    broker: option.url('URL', 'the broker (or WX_BROKER_URL)', ['mqtt:', 'mqtts:', 'ws:', 'wss:']),
    'node-id': option.string('ID', "this worker's stable name: its sessions are ID-0 .. ID-N (or WX_NODE_ID; default the host name)"),
    sessions: option.integer('N', 'subscriber sessions in the group (default 4, each with 64 messages in flight)', { min: 1, max: 64 }),
    group: option.string('NAME', 'shared-subscription group (default wanxiang)'),
    username: option.string('NAME', 'broker login (default wanxiang-ingest, or WX_BROKER_USERNAME)'),
    password: option.string('SECRET', 'its secret (or WX_BROKER_PASSWORD; default derived from the fleet key)'),
    'influx-url': option.url('URL', 'InfluxDB; repeat for several endpoints of one cluster (or INFLUX_URL / INFLUX_URLS)', ['http:', 'https:']).many(),
    'http-port': option.integer('N', 'health, metrics and the API (default 3000; 0 picks a free port)', { min: 0, max: 65_535 }),
    'data-dir': option.string('DIR', 'spool and dead-letter folder (default data/; one per worker)'),
    registry: option.string('FILE', 'the device registry (default seeds/devices.json)'),
  },
};

export const ingestHelp = helpText(spec);

/** The ingest path of `start` without the embedded broker and without the demo fleet. */
export function ingestOverrides(argv: string[]): ConfigInput {
  const { options } = parseCommand(spec, argv);
  const urls = options['influx-url'];
  return {
    ...(options['data-dir'] ? { dataDir: options['data-dir'] } : {}),
    ...(options.registry ? { registryFile: options.registry } : {}),
    http: options['http-port'] === undefined ? {} : { port: options['http-port'] },
    influx: urls.length > 1 ? { urls } : urls.length === 1 ? { url: urls[0] } : {},
    simulate: { enabled: false },
    cluster: {
      ...(options.broker ? { brokerUrl: options.broker } : {}),
      ...(options['node-id'] ? { nodeId: options['node-id'] } : {}),
      ...(options.sessions !== undefined ? { sessions: options.sessions } : {}),
      ...(options.group ? { sharedGroup: options.group } : {}),
      ...(options.username ? { brokerUsername: options.username } : {}),
      ...(options.password ? { brokerPassword: options.password } : {}),
    },
  };
}

export async function ingestCommand(argv: string[]): Promise<void> {
  const config = configFromEnv(process.env, ingestOverrides(argv));
  if (!config.cluster.brokerUrl) throw new UsageError('--broker (or WX_BROKER_URL) is required: a URL such as mqtt://broker:1883', ingestHelp);
  const log = createLogger(config.logLevel);
  const platform = createPlatform(config, log);
  const endpoints = await runUntilSignal(platform, log);
  process.stdout.write(`Wanxiang ingest is running: broker ${endpoints.mqttUrl}, health ${endpoints.httpUrl}/healthz, InfluxDB ${endpoints.influxUrl}\n`);
}
