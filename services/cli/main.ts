import { parseArgs } from 'node:util';
import { configFromEnv, type ConfigInput } from '../config.ts';
import { isWanxiangError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { createPlatform } from '../platform.ts';
import { backfillCommand, backfillHelp } from './backfill.ts';
import { recordCommand, recordHelp } from './record.ts';
import { replayCommand, replayHelp } from './replay.ts';
import { reportCommand, reportHelp } from './report.ts';
import { rollupCommand, rollupHelp } from './rollup.ts';
import { evaluateCommand, evaluateHelp } from './evaluate.ts';
import { devicesCommand, devicesHelp } from './devices.ts';
import { simulateCommand, simulateHelp } from './simulate.ts';
import { ingestCommand, ingestHelp } from '../cluster/ingest-command.ts';

const usage = `wanxiang: telemetry platform for a district operations centre

Usage: wanxiang <command> [options]

Commands:
  start      start InfluxDB (local unless INFLUX_URL is set), broker, ingest, API and the demo fleet
  simulate   run the simulated district (with faults on request) against a broker
  record     capture the district's traffic to a compressed recording
  replay     publish a recording back, ×N or as fast as possible
  backfill   generate a year (or any range) of history through the ingest path
  rollup     recompute the rollups of a range from the raw points
  report     the plan's targets for a period (md in Chinese and English, csv, json)
  evaluate   check manual samples or lab results against the standards (nothing is stored)
  devices    administer the device registry: list, add, rotate, disable, enable, export --mosquitto
  ingest     ingest as a shared-subscription client of an external MQTT broker (docs/deploy-city.md)
  help       show this text; 'wanxiang COMMAND --help' shows a command's options

Options for start:
  --no-simulate         do not start the simulated fleet
  --influx-url URL      use an existing InfluxDB instead of starting influxd
  --mqtt-port N         MQTT TCP port (default 1883)
  --ws-port N           MQTT over WebSocket port (default 8083, -1 to turn off)
  --http-port N         HTTP API port (default 3000)
  --data-dir DIR        where influxd data and the dead-letter file live (default data/)
  --replay FILE         replay this recording (shifted to end now) instead of simulating
  --replay-speed N      its speed (default 60)

Environment: INFLUX_URL, INFLUX_DB, INFLUX_TOKEN, INFLUX_USERNAME, INFLUX_PASSWORD,
WX_MQTT_PORT, WX_MQTT_WS_PORT, WX_HTTP_PORT, WX_DATA_DIR, WX_LOG_LEVEL, WX_SIMULATE=0.
Scale-out (docs/deploy-city.md): WX_BROKER_URL, WX_BROKER_USERNAME, WX_BROKER_PASSWORD,
WX_NODE_ID, WX_REDIS_URL, INFLUX_URLS.
`;

async function start(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'no-simulate': { type: 'boolean' },
      'influx-url': { type: 'string' },
      'mqtt-port': { type: 'string' },
      'ws-port': { type: 'string' },
      'http-port': { type: 'string' },
      'data-dir': { type: 'string' },
      replay: { type: 'string' },
      'replay-speed': { type: 'string' },
    },
    strict: true,
  });
  const overrides: ConfigInput = {
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    mqtt: { ...(values['mqtt-port'] ? { port: Number(values['mqtt-port']) } : {}), ...(values['ws-port'] ? { wsPort: Number(values['ws-port']) } : {}) },
    http: values['http-port'] ? { port: Number(values['http-port']) } : {},
    influx: values['influx-url'] ? { url: values['influx-url'] } : {},
    simulate: {
      ...(values['no-simulate'] ? { enabled: false } : {}),
      ...(values.replay ? { replayFile: values.replay } : {}),
      ...(values['replay-speed'] ? { replaySpeed: Number(values['replay-speed']) } : {}),
    },
  };
  const config = configFromEnv(process.env, overrides);
  const log = createLogger(config.logLevel);
  const platform = createPlatform(config, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const endpoints = await platform.start();
  process.stdout.write(`
Wanxiang is running.
  MQTT            ${endpoints.mqttUrl}${endpoints.wsUrl ? `   (WebSocket ${endpoints.wsUrl})` : ''}${endpoints.mqttsUrl ? `   (TLS ${endpoints.mqttsUrl}, ${endpoints.wssUrl ?? 'no WSS'})` : ''}
  health          ${endpoints.httpUrl}/healthz
  metrics         ${endpoints.httpUrl}/metrics
  devices         ${endpoints.httpUrl}/api/v1/devices
  rejections      ${endpoints.httpUrl}/api/v1/rejections   (accounting: /api/v1/accounting, quality: /api/v1/quality)
  compliance      ${endpoints.httpUrl}/api/v1/compliance?period=${new Date().getFullYear()}-YTD
  AQI             ${endpoints.httpUrl}/api/v1/aqi?station=district&from=${new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10)}&to=${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}&resolution=day
  InfluxDB        ${endpoints.influxUrl}  (v${endpoints.influxVersion}, database "${endpoints.database}")
  simulated fleet ${describeSource(config.simulate, platform.registry.devices.length)}
Press Ctrl-C to stop.
`);
}

function describeSource(simulate: { enabled: boolean; replayFile?: string; replaySpeed: number; intervalMs: number }, devices: number): string {
  if (!simulate.enabled) return 'off';
  if (simulate.replayFile) return `replaying ${simulate.replayFile} at ×${simulate.replaySpeed}`;
  return `${devices} devices, every ${simulate.intervalMs / 1_000} s`;
}

const commands: Record<string, { run: (argv: string[]) => Promise<void>; help: string }> = {
  start: { run: start, help: usage },
  simulate: { run: simulateCommand, help: simulateHelp },
  record: { run: recordCommand, help: recordHelp },
  replay: { run: replayCommand, help: replayHelp },
  backfill: { run: backfillCommand, help: backfillHelp },
  rollup: { run: rollupCommand, help: rollupHelp },
  report: { run: reportCommand, help: reportHelp },
  evaluate: { run: evaluateCommand, help: evaluateHelp },
  devices: { run: devicesCommand, help: devicesHelp },
  ingest: { run: ingestCommand, help: ingestHelp },
};

export async function main(argv: string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  const entry = commands[command];
  if (entry) {
    if (rest.includes('--help') || rest.includes('-h')) return void process.stdout.write(entry.help);
    return entry.run(rest);
  }
  switch (command) {
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return;
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${usage}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${isWanxiangError(error) ? `${error.code}: ${error.message}` : String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
