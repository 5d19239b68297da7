import { parseArgs } from 'node:util';
import { configFromEnv, type ConfigInput } from '../config.ts';
import { createLogger } from '../log.ts';
import { createPlatform } from '../platform.ts';
import { UsageError } from '../cli/options.ts';
import { runUntilSignal } from '../cli/run-platform.ts';

export const ingestHelp = `wanxiang ingest: ingest as a shared-subscription client of an MQTT broker (mosquitto, EMQX, ...)

  wanxiang ingest --broker mqtt://broker:1883 [options]

Every worker of a group gets a share of $share/GROUP/PREFIX/v1/+/+/telemetry and .../status at
QoS 1; each message is acknowledged to the broker only once it is in this worker's spool.
Device logins and ACLs are the broker's (wanxiang devices export --mosquitto DIR).

Options:
  --broker URL          the broker (or WX_BROKER_URL)
  --node-id ID          this worker's stable name: its sessions are ID-0 .. ID-N (or WX_NODE_ID; default the host name)
  --sessions N          subscriber sessions in the group (default 4, each with 64 messages in flight)
  --group NAME          shared-subscription group (default wanxiang)
  --username NAME       broker login (default wanxiang-ingest, or WX_BROKER_USERNAME)
  --password SECRET     its secret (or WX_BROKER_PASSWORD; default derived from the fleet key)
  --influx-url URL      InfluxDB; repeat for several endpoints of one cluster (or INFLUX_URL / INFLUX_URLS)
  --http-port N         health, metrics and the API (default 3000; 0 picks a free port)
  --data-dir DIR        spool and dead-letter folder (default data/; one per worker)
  --registry FILE       the device registry (default seeds/devices.json)
`;

const positive = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} takes a whole number, not ${JSON.stringify(text)}`, ingestHelp);
  return value;
};

/** The ingest path of `start` without the embedded broker and without the demo fleet. */
export function ingestOverrides(argv: string[]): ConfigInput {
  let parsed;
  try {
    parsed = parseArgs({
    args: argv,
    options: {
      broker: { type: 'string' }, 'node-id': { type: 'string' }, sessions: { type: 'string' }, group: { type: 'string' },
      username: { type: 'string' }, password: { type: 'string' }, 'influx-url': { type: 'string', multiple: true },
      'http-port': { type: 'string' }, 'data-dir': { type: 'string' }, registry: { type: 'string' },
    },
    strict: true,
  });
  } catch (error) {
    // node:util's parse errors are the user's argument: one line and the usage, exit 2 (issue 13).
    throw new UsageError((error as Error).message, ingestHelp);
  }
  const { values } = parsed;
  const urls = values['influx-url'] ?? [];
  const httpPort = positive('http-port', values['http-port']);
  return {
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values.registry ? { registryFile: values.registry } : {}),
    http: httpPort === undefined ? {} : { port: httpPort },
    influx: urls.length > 1 ? { urls } : urls.length === 1 ? { url: urls[0] } : {},
    simulate: { enabled: false },
    cluster: {
      ...(values.broker ? { brokerUrl: values.broker } : {}),
      ...(values['node-id'] ? { nodeId: values['node-id'] } : {}),
      ...(values.sessions ? { sessions: positive('sessions', values.sessions) } : {}),
      ...(values.group ? { sharedGroup: values.group } : {}),
      ...(values.username ? { brokerUsername: values.username } : {}),
      ...(values.password ? { brokerPassword: values.password } : {}),
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
