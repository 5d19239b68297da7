import { configFromEnv, envSets } from '../config-env.ts';
import { type ConfigInput } from '../config.ts';
import { useInstallation } from '../installation.ts';
import { dataFolderLine } from './data-folder-notice.ts';
import { createLogger } from '../log.ts';
import { createPlatform } from '../platform.ts';
import { readSecret } from './secret-input.ts';
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
    group: option.string('NAME', 'shared-subscription group (default: derived from the ingest login\'s secret, so that only its holders can join)'),
    username: option.string('NAME', 'broker login (default wanxiang-ingest, or WX_BROKER_USERNAME)'),
    'password-file': option.string('FILE', 'its secret, read from FILE, or from stdin with - (or WX_BROKER_PASSWORD; default derived from the fleet key)'),
    password: option.string('SECRET', 'refused: a secret in argv is visible to every user of the host (ps); use --password-file'),
    'influx-url': option.url('URL', 'InfluxDB; repeat for several endpoints of one cluster (or INFLUX_URL / INFLUX_URLS)', ['http:', 'https:']).many(),
    'http-port': option.integer('N', 'health, metrics and the API (default a free port, printed, so that workers on one host never collide; or WX_HTTP_PORT)', { min: 0, max: 65_535 }),
    'data-dir': option.string('DIR', 'spool and dead-letter folder (default WX_DATA_DIR, else data/; one per worker)'),
    registry: option.string('FILE', "the device registry (default as for 'wanxiang devices': WX_REGISTRY_FILE, else the data folder's devices.json once it holds an installation, else seeds/devices.json, read only)"),
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
    // Issue 19, item 4: two workers on one host collided on 3000; a worker's port is free unless chosen.
    http: options['http-port'] !== undefined ? { port: options['http-port'] } : envSets(process.env, 'WX_HTTP_PORT') ? {} : { port: 0 },
    influx: urls.length > 1 ? { urls } : urls.length === 1 ? { url: urls[0] } : {},
    simulate: { enabled: false },
    cluster: {
      ...(options.broker ? { brokerUrl: options.broker } : {}),
      ...(options['node-id'] ? { nodeId: options['node-id'] } : {}),
      ...(options.sessions !== undefined ? { sessions: options.sessions } : {}),
      ...(options.group ? { sharedGroup: options.group } : {}),
      ...(options.username ? { brokerUsername: options.username } : {}),
    },
  };
}

/** The broker secret of --password-file; refused from argv (red team 9: `ps` showed it to every user of the host). */
async function brokerPasswordOption(argv: string[]): Promise<string | undefined> {
  const { options } = parseCommand(spec, argv);
  const inUrl = options.broker ? new URL(options.broker).password : '';
  if (options.password !== undefined || inUrl !== '') {
    throw new UsageError(`${options.password !== undefined ? '--password' : 'a password in --broker'} puts the secret in the process list (ps) and the shell history: use --password-file FILE, --password-file - (stdin) or WX_BROKER_PASSWORD`, ingestHelp);
  }
  return options['password-file'] ? await readSecret(options['password-file'], 'the broker secret') : undefined;
}

export async function ingestCommand(argv: string[]): Promise<void> {
  const overrides = ingestOverrides(argv);
  const brokerPassword = await brokerPasswordOption(argv);
  if (brokerPassword !== undefined) overrides.cluster = { ...overrides.cluster, brokerPassword };
  // The data folder's installation (its key, its registry) as for every command; --registry wins.
  const installed = await useInstallation(configFromEnv(process.env, overrides));
  const config = overrides.registryFile ? { ...installed, registryFile: overrides.registryFile } : installed;
  if (!config.cluster.brokerUrl) throw new UsageError('--broker (or WX_BROKER_URL) is required: a URL such as mqtt://broker:1883', ingestHelp);
  // Issue 19, item 4: a worker without a database started an influxd of its own, and the
  // readings of a city were split over as many databases as workers, silently.
  if (!config.influx.url && !config.influx.urls) {
    throw new UsageError('the database every worker writes to is required: --influx-url URL (or INFLUX_URL / INFLUX_URLS); a worker never starts an influxd of its own, which would split the data', ingestHelp);
  }
  process.stderr.write(dataFolderLine('ingest', config));
  const log = createLogger(config.logLevel);
  const platform = createPlatform(config, log);
  const endpoints = await runUntilSignal(platform, log);
  process.stdout.write(`Wanxiang ingest is running: broker ${endpoints.mqttUrl}, health ${endpoints.httpUrl}/healthz, InfluxDB ${endpoints.influxUrl}\n`);
}
