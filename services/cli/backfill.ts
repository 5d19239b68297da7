import { backfill, backfillStep, plannedReadings, type BackfillReport } from '../../simulators/backfill.ts';
import { fleetKeyDevices } from '../../simulators/device-client.ts';
import { WanxiangError } from '../errors.ts';
import { familyIds } from '../families/index.ts';
import type { Platform } from '../platform.ts';
import { createInfluxClient, type InfluxClient } from '../storage/influx-client.ts';
import { countLanded, landedByDevice, waitForLanded } from './backfill-landed.ts';
import { clearProgress, progressKey, readProgress, writeProgress } from './backfill-progress.ts';
import { openBackfillWindow, type OpenedWindow } from './backfill-window-client.ts';
import { commandContext, progressPrinter, shared, type CommandContext } from './common.ts';
import { locateInflux } from './locate.ts';
import { brokerStep } from './mqtt-failure.ts';
import { beijingEcho } from './beijing-echo.ts';
import { dataFolderUse } from './data-folder-notice.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';

const spec = {
  name: 'backfill',
  summary: 'generate history for every device through the ingest path',
  description: `Without --url it starts its own platform on the data folder (local influxd, or INFLUX_URL)
that accepts the range, fills it, rolls it up, prints the year's statistics, and stops.

With --url it publishes to a running platform, then counts in that platform's InfluxDB what
landed (found from runtime.json in the data folder, or --influx-url / INFLUX_URL) and names what
was refused and why; it exits 1 (WX_ERR_BACKFILL_INCOMPLETE) when anything did not land. A running
platform takes readings up to 7 days old (WX_MAX_AGE_MS): for older ones give --admin-token-file,
and the platform's backfill window is opened for the run (POST /api/v1/admin/backfill-window).

Neither raises live alarms or sends webhooks: history is not the district as it is now.
Ctrl-C stops after what is in flight is acknowledged; the same command again resumes there.`,
  options: {
    from: shared.date('start').default(Date.parse('2025-01-01T00:00:00+08:00'), '2025-01-01'),
    to: shared.date('end, exclusive').default(Date.parse('2026-01-01T00:00:00+08:00'), '2026-01-01'),
    seed: shared.seed(2025),
    url: option.url('URL', "a running platform's broker", ['mqtt:', 'mqtts:', 'ws:', 'wss:']),
    devices: shared.devices(),
    batch: option.integer('N', 'readings per message', { min: 1, max: 10_000 }).default(500),
    step: option.integer('MS', "one step for every family (default: each family's interval, at least 5 min)", { min: 1_000, max: 86_400_000 }),
    'data-dir': shared.dataDir(),
    'influx-url': option.url('URL', "with --url: the running platform's InfluxDB, to count what landed (default INFLUX_URL, else runtime.json)", ['http:', 'https:']),
    api: option.url('URL', "with --url: the running platform's HTTP API, for the backfill window (default runtime.json's)", ['http:', 'https:']),
    'admin-token-file': option.string('FILE', 'with --url: an admin token of the platform, read from FILE or stdin (-): opens its backfill window for readings older than 7 days'),
  },
};

export const backfillHelp = helpText(spec);
type BackfillOptions = ReturnType<typeof parseCommand<typeof spec.options>>['options'];

export async function backfillCommand(argv: string[]): Promise<void> {
  const { options } = parseCommand(spec, argv);
  const { from: fromMs, to: toMs } = options;
  if (toMs <= fromMs) throw new UsageError(`--to must come after --from (${beijingEcho(fromMs)} to ${beijingEcho(toMs)} is empty)`, backfillHelp);
  if (!options.url && (options.api || options['admin-token-file'] || options['influx-url'])) throw new UsageError('--api, --admin-token-file and --influx-url go with --url (a running platform)', backfillHelp);
  const maxAgeMs = Math.max(1, Date.now() - fromMs + 86_400_000);
  const context = await commandContext({
    ...(options['data-dir'] ? { dataDir: options['data-dir'] } : {}),
    ingest: { maxAgeMs }, simulate: { enabled: false }, rollups: { enabled: false }, mqtt: { port: 0, wsPort: -1, host: '127.0.0.1' }, http: { port: 0, host: '127.0.0.1' },
    // Issue 21: history is not the live district. Its own platform raises no alarms (a year of
    // readings from no live fleet opened "device silent" for every station) and sends no webhooks.
    alarms: { enabled: false, webhooks: [] },
  }, 'backfill');
  // Loaded only when needed: a bad argument or --url does without the broker and the API.
  const platform = options.url ? undefined : (await import('../platform.ts')).createPlatform(context.config, context.log, { command: 'backfill' });
  try {
    await run(options, context, platform);
  } finally {
    await platform?.close();
  }
}

interface Target {
  readonly url: string;
  readonly influx: InfluxClient;
  readonly where: string;
  readonly window?: OpenedWindow;
}

/** The broker to publish to and the InfluxDB to count in: our own platform's, or the running one's. */
async function target(options: BackfillOptions, context: CommandContext, platform: Platform | undefined): Promise<Target> {
  if (platform) {
    const endpoints = await platform.start();
    return { url: endpoints.mqttUrl, influx: platform.influx, where: `${endpoints.influxUrl} database "${endpoints.database}"` };
  }
  const located = await locateInflux(options['influx-url'], context.config.influx.url, context.config.dataDir);
  const database = located.database ?? context.config.influx.database;
  const influx = createInfluxClient({ ...context.config.influx, url: located.url, database });
  const window = options['admin-token-file'] ? await openBackfillWindow({ api: options.api, tokenFile: options['admin-token-file'], dataDir: context.config.dataDir, fromMs: options.from }) : undefined;
  return { url: options.url!, influx, where: `${located.url} database "${database}" (from ${located.source})`, window };
}

async function run(options: BackfillOptions, context: CommandContext, platform: Platform | undefined): Promise<void> {
  const { from: fromMs, to: toMs } = options;
  const { devices: keyed, skipped } = await fleetKeyDevices(context.registry.devices, context.config.fleetKey);
  if (skipped.length > 0) process.stderr.write(`[backfill] not backfilled (the fleet key does not speak for them): ${skipped.map(({ id, why }) => `${id} (${why})`).join(', ')}\n`);
  const devices = keyed.slice(0, options.devices);
  const stepMs = options.step ? Object.fromEntries(familyIds.map((family) => [family, options.step])) : undefined;
  const { dataDir } = context.config;
  const key = progressKey({ url: options.url ?? 'own', fromMs, toMs, seed: options.seed, step: options.step, batch: options.batch, devices: devices.map((device) => device.id) });
  const startAt = await readProgress(dataDir, key);
  const destination = await target(options, context, platform);
  // Listening before the first line that says it runs: a Ctrl-C sent on seeing that line would
  // otherwise meet Node's default handling and kill the process without a resume file.
  const stop = new AbortController();
  const onInterrupt = () => {
    process.stderr.write('[backfill] stopping: waiting for what is in flight to be acknowledged (Ctrl-C again stops at once, and the rerun sends more again)\n');
    stop.abort();
  };
  process.once('SIGINT', onInterrupt);
  process.stderr.write(`[backfill] ${devices.length} devices, ${beijingEcho(fromMs)} to ${beijingEcho(toMs)}, into ${destination.url}${startAt ? `, resuming an interrupted run (${startAt.size} devices to go)` : ''}\n`);
  const refusals = new Map<string, { notices: number; example: string }>();
  let report: BackfillReport;
  try {
    report = await brokerStep(destination.url, () =>
      backfill({
        url: destination.url, fleetKey: context.config.fleetKey, topics: context.topics, devices, fromMs, toMs, seed: options.seed, batchReadings: options.batch, stepMs,
        onProgress: progressPrinter('backfill', 5_000), startAt, signal: stop.signal,
        onRefusal: (_device, notice) => {
          const seen = refusals.get(notice.code) ?? { notices: 0, example: notice.message };
          refusals.set(notice.code, { notices: seen.notices + 1 + (notice.suppressed ?? 0), example: seen.example });
        },
      }),
      // Issue 19, item 6: which key the refused secrets came from, and the flag that picks another.
      `the devices' secrets were derived from ${dataFolderUse(context.config).fleetKey} (data folder ${dataFolderUse(context.config).dataDir}): give the data folder of the installation the broker's logins come from with --data-dir DIR (or WX_DATA_DIR), or its key with WX_FLEET_KEY`,
    );
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await destination.window?.close();
  }
  if (report.stopped) {
    const path = await writeProgress(dataDir, key, new Map(devices.map((device) => [device.id, report.next.get(device.id) ?? startAt?.get(device.id) ?? toMs])));
    process.stderr.write(`[backfill] stopped after ${report.readings} readings, each acknowledged. To finish, run the same command again: it resumes where this one stopped (${path}).\n`);
    process.exitCode = 130;
    return;
  }
  await clearProgress(dataDir, key);
  await platform?.ingest.drain();
  const planned = plannedReadings(devices, fromMs, toMs, stepMs);
  const landed = await waitForLanded(() => countLanded(destination.influx, devices, fromMs, toMs), planned, progressPrinter('backfill: landed', 5_000));
  let rolled = '';
  if (platform) rolled = await rollUp(platform, fromMs, toMs);
  printReport(report, landed, planned, destination.where, rolled);
  if (landed < planned) throw incomplete(planned - landed, planned, refusals, await shortDevices(destination.influx, devices, fromMs, toMs, stepMs));
}

/**
 * The devices short of their range, with what landed of what they owe: where to look when nothing
 * was refused (a run once ended 448 readings short with no refusal published, and said no more).
 */
async function shortDevices(influx: InfluxClient, devices: BackfillDevices, fromMs: number, toMs: number, stepMs: Parameters<typeof backfillStep>[1]): Promise<string> {
  const landed = await landedByDevice(influx, devices, fromMs, toMs).catch(() => undefined);
  if (!landed) return '';
  const short = devices.flatMap((device) => {
    const owed = Math.ceil((toMs - fromMs) / backfillStep(device, stepMs));
    const got = landed.get(device.id) ?? 0;
    return got < owed ? [`${device.id} ${got} of ${owed}`] : [];
  });
  return short.length === 0 ? '' : `; short: ${short.slice(0, 10).join(', ')}${short.length > 10 ? ` and ${short.length - 10} more devices` : ''}`;
}

/** The rollups of the range, a week at a time, with progress on stderr (the phase took minutes in silence). */
async function rollUp(platform: Platform, fromMs: number, toMs: number): Promise<string> {
  const started = performance.now();
  const weekMs = 7 * 86_400_000;
  const weeks = Math.ceil((toMs - fromMs) / weekMs);
  const progress = progressPrinter('backfill: rollups (weeks)', 5_000);
  let windows = 0;
  for (let week = 0; week < weeks; week += 1) {
    const from = fromMs + week * weekMs;
    windows += (await platform.rollups.recomputeRange(from, Math.min(toMs, from + weekMs))).length;
    progress(week + 1, weeks);
  }
  return `; rolled up ${windows} windows in ${((performance.now() - started) / 1_000).toFixed(1)} s`;
}

function printReport(report: BackfillReport, landed: number, planned: number, where: string, rolled: string): void {
  const seconds = report.durationMs / 1_000;
  const { statistics: s } = report;
  const share = (value: number, digits: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(digits)} %` : 'n/a');
  process.stdout.write(
    [
      `backfill: ${report.readings} readings sent in ${report.messages} messages, ${seconds.toFixed(1)} s (${Math.round(report.readings / Math.max(seconds, 0.001))} readings/s)`,
      `  landed in ${where}: ${landed} of ${planned} readings of the range${rolled}`,
      `  of the generated readings (what was sent, not necessarily stored):`,
      `  PM2.5 annual mean (district, valid days)   ${Number.isFinite(s.pm25AnnualMeanUgm3) ? s.pm25AnnualMeanUgm3.toFixed(1) : 'n/a'} µg/m³ over ${s.days} days`,
      `  good-air days (daily AQI ≤ 100)            ${share(s.goodDayShare, 1)}`,
      `  transformer hours at heavy load (≥ 80 %)   ${share(s.heavyLoadHourShare, 2)}`,
      `  mean parking occupancy                     ${share(s.parkingMeanOccupancy, 1)}`,
      `  trunk-road nights over 55 dB(A) (4a)       ${share(s.trunkRoadNightOverLimitShare, 1)}`,
      '',
    ].join('\n'),
  );
}

const hints: Record<string, string> = {
  WX_ERR_TIME_TOO_OLD: "the platform takes readings up to its age limit (7 days by default): run again with --admin-token-file FILE (an admin token of the platform), which opens its backfill window for the run",
  WX_ERR_TIME_IN_FUTURE: 'readings more than 5 minutes ahead of the platform\'s clock are refused: end --to at now',
};

type BackfillDevices = Parameters<typeof plannedReadings>[0];

function incomplete(missing: number, planned: number, refusals: ReadonlyMap<string, { notices: number; example: string }>, short: string): WanxiangError {
  const reasons = [...refusals].map(([code, { notices, example }]) => `${code} (${notices} messages; e.g. ${example})${hints[code] ? `: ${hints[code]}` : ''}`);
  return new WanxiangError('WX_ERR_BACKFILL_INCOMPLETE', `${missing} of ${planned} readings did not land${reasons.length > 0 ? `; refused: ${reasons.join('; ')}` : ' (no refusal was published to the devices: see the platform\'s /api/v1/rejections)'}${short}`);
}
