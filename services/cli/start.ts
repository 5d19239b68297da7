import { resolve } from 'node:path';
import { redactUserinfo } from '../redact-url.ts';
import { assertSafeExposure } from '../config-exposure.ts';
import { configFromEnv } from '../config-env.ts';
import { type ConfigInput } from '../config.ts';
import { assertFolderFree } from '../data-folder/folder-lock.ts';
import { prepareInstallation } from '../installation.ts';
import { createLogger } from '../log.ts';
import { createPlatform, type PlatformEndpoints } from '../platform.ts';
import { assertRecording, shared } from './common.ts';
import { helpText, option, parseCommand } from './options.ts';
import { beijingDay, DAY_MS } from '../standards/beijing-time.ts';
import { PLAN_YEARS, isPlanYear } from '../compliance/plan-period.ts';
import { runUntilSignal } from './run-platform.ts';
import { dataFolderLine } from './data-folder-notice.ts';

/** A period the compliance API takes: this year to date while the plan runs, else the plan's last year. */
const compliancePeriodHint = (nowMs: number) => {
  const year = Number(beijingDay(nowMs).slice(0, 4));
  return isPlanYear(year) ? `${year}-YTD` : String(PLAN_YEARS.last);
};

const port = (describe: string) => option.integer('N', describe, { min: 0, max: 65_535 });

const spec = {
  name: 'start',
  summary: 'start InfluxDB (local unless INFLUX_URL is set), broker, ingest, API, screen and the demo fleet',
  options: {
    'no-simulate': option.flag('do not start the simulated fleet'),
    'influx-url': option.url('URL', 'use an existing InfluxDB instead of starting influxd', ['http:', 'https:']),
    host: option.string('ADDR', 'address the broker and the API listen on (default 127.0.0.1; WX_MQTT_HOST, WX_HTTP_HOST)'),
    'mqtt-port': port('MQTT TCP port, 0 for a free one (default 1883)'),
    'ws-port': option.integer('N', 'MQTT over WebSocket port (default 8083, 0 for a free one, -1 to turn off)', { min: -1, max: 65_535 }),
    'http-port': port('HTTP API and screen port, 0 for a free one (default 3000)'),
    'influxd-port': port('the local influxd\'s HTTP port (without INFLUX_URL), 0 for a free one (default; WX_INFLUXD_PORT)'),
    'influxd-rpc-port': port('the local influxd\'s backup/restore RPC port, 0 for a free one (default; WX_INFLUXD_RPC_PORT)'),
    'data-dir': shared.dataDir(),
    'hj212-port': option.integer('N', 'HJ 212 stations over TCP: port (npm start: 9212), 0 for a free one, -1 off (the default)', { min: -1, max: 65_535 }),
    replay: option.string('FILE', 'replay this recording (shifted to end now) instead of simulating'),
    'replay-speed': option.number('N', 'its speed (default 60)', { above: 0, max: 1_000_000 }),
    'insecure-demo': option.flag('allow listening beyond loopback with the development fleet key or without API tokens (a demo on a trusted network; WX_ALLOW_INSECURE_DEMO=1)'),
  },
  footer: `Secure by default: the broker (1883, 8083) and the API (3000) listen on 127.0.0.1. Listening
elsewhere (--host 0.0.0.0) is refused with the development fleet key (set WX_FLEET_KEY) or
without admin and operator tokens (WX_API_TOKENS=admin:TOKEN,operator:TOKEN), unless
--insecure-demo is given.

Environment: INFLUX_URL, INFLUX_DB, INFLUX_TOKEN, INFLUX_USERNAME, INFLUX_PASSWORD, WX_FLEET_KEY,
WX_MQTT_HOST, WX_MQTT_PORT, WX_MQTT_WS_PORT, WX_HTTP_HOST, WX_HTTP_PORT, WX_API_TOKENS, WX_DATA_DIR,
WX_LOG_LEVEL, WX_SIMULATE=0, WX_ALLOW_INSECURE_DEMO=1, WX_INFLUXD_PORT, WX_INFLUXD_RPC_PORT, WX_HJ212_HOST, WX_HJ212_PORT.`,
};

export const startHelp = helpText(spec);

export async function startCommand(argv: string[]): Promise<void> {
  const { options } = parseCommand(spec, argv);
  const overrides: ConfigInput = {
    ...(options['data-dir'] ? { dataDir: options['data-dir'] } : {}),
    ...(options['insecure-demo'] ? { allowInsecureDemo: true } : {}),
    mqtt: { ...(options.host ? { host: options.host } : {}), ...(options['mqtt-port'] !== undefined ? { port: options['mqtt-port'] } : {}), ...(options['ws-port'] !== undefined ? { wsPort: options['ws-port'] } : {}) },
    http: { ...(options.host ? { host: options.host } : {}), ...(options['http-port'] !== undefined ? { port: options['http-port'] } : {}) },
    influx: {
      ...(options['influx-url'] ? { url: options['influx-url'] } : {}),
      ...(options['influxd-port'] !== undefined ? { localPort: options['influxd-port'] } : {}),
      ...(options['influxd-rpc-port'] !== undefined ? { localRpcPort: options['influxd-rpc-port'] } : {}),
    },
    hj212: { ...(options.host ? { host: options.host } : {}), ...(options['hj212-port'] !== undefined ? { port: options['hj212-port'] } : {}) },
    simulate: {
      ...(options['no-simulate'] ? { enabled: false } : {}),
      ...(options.replay ? { replayFile: options.replay } : {}),
      ...(options['replay-speed'] !== undefined ? { replaySpeed: options['replay-speed'] } : {}),
    },
  };
  // Everything that can be checked is checked before anything starts (issue 13, item 9).
  const requested = configFromEnv(process.env, overrides);
  // A folder another run holds is refused before anything in it is touched (the lock refuses it again at start).
  await assertFolderFree(requested.dataDir);
  const config = await prepareInstallation(requested);
  assertSafeExposure(config);
  if (config.simulate.replayFile) await assertRecording(resolve(config.simulate.replayFile));
  // Issue 19, item 6: which data folder and registry this run uses, as every command says.
  process.stderr.write(dataFolderLine('start', config));
  const log = createLogger(config.logLevel);
  const platform = createPlatform(config, log);
  const endpoints = await runUntilSignal(platform, log);
  // A registry with no devices runs, but nothing can log in: said, not left to be found out.
  if (platform.registry.devices.length === 0) process.stderr.write(`[start] the registry ${resolve(config.registryFile)} holds no devices: no device can log in or send a reading; add them with 'wanxiang devices add' (docs/devices.md)\n`);
  // The devices the simulated fleet sends as: not the disabled ones, nor ones with a secret of their own (red team 11).
  process.stdout.write(banner(endpoints, describeSource(config.simulate, endpoints.simulatedDevices ?? 0)));
}

/** The start banner; the screen's address is its first line, the one to open. */
export function banner(endpoints: PlatformEndpoints, fleet: string): string {
  const http = endpoints.httpUrl;
  return `Screen          ${http}/
Wanxiang is running.
  MQTT            ${redactUserinfo(endpoints.mqttUrl)}${endpoints.wsUrl ? `   (WebSocket ${endpoints.wsUrl})` : ''}${endpoints.mqttsUrl ? `   (TLS ${endpoints.mqttsUrl}, ${endpoints.wssUrl ?? 'no WSS'})` : ''}
${endpoints.hj212Url ? `  HJ 212          ${endpoints.hj212Url}   (stations: docs/devices.md)\n` : ''}  live            ${http}/api/v1/live   (events: /api/v1/stream, alarms: /api/v1/alarms?state=open)
  duty desk       ${http}/desk   (events, for operators; officers review at /review)
  report          ${http}/report?period=${compliancePeriodHint(Date.now())}   (printable; wanxiang report for md, csv, xlsx)
  API docs        ${http}/docs
  health          ${http}/healthz
  metrics         ${http}/metrics
  devices         ${http}/api/v1/devices
  rejections      ${http}/api/v1/rejections   (accounting: /api/v1/accounting, quality: /api/v1/quality)
  compliance      ${http}/api/v1/compliance?period=${compliancePeriodHint(Date.now())}
  AQI             ${http}/api/v1/aqi?station=district&from=${beijingDay(Date.now() - 7 * DAY_MS)}&to=${beijingDay(Date.now() + DAY_MS)}&resolution=day
  InfluxDB        ${redactUserinfo(endpoints.influxUrl)}  (v${endpoints.influxVersion}, database "${endpoints.database}")
  simulated fleet ${fleet}
Press Ctrl-C to stop.
`;
}

function describeSource(simulate: { enabled: boolean; replayFile?: string; replaySpeed: number; intervalMs: number }, devices: number): string {
  if (!simulate.enabled) return 'off';
  if (simulate.replayFile) return `replaying ${simulate.replayFile} at ×${simulate.replaySpeed}`;
  return `${devices} devices, every ${simulate.intervalMs / 1_000} s`;
}
