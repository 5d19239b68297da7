import { backfill } from '../../simulators/backfill.ts';
import { familyIds, getFamily } from '../families/index.ts';
import type { Platform } from '../platform.ts';
import { commandContext, progressPrinter, shared } from './common.ts';
import { brokerStep } from './mqtt-failure.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';

const spec = {
  name: 'backfill',
  summary: 'generate history for every device through the ingest path',
  description: `Without --url it starts its own platform (local influxd under the data folder, or INFLUX_URL)
that accepts the range, fills it, prints the year's statistics, and stops. With --url it
publishes to a running platform, which must accept readings that old (WX_MAX_AGE_MS).`,
  options: {
    from: shared.date('start').default(Date.parse('2025-01-01T00:00:00+08:00'), '2025-01-01'),
    to: shared.date('end, exclusive').default(Date.parse('2026-01-01T00:00:00+08:00'), '2026-01-01'),
    seed: shared.seed(2025),
    url: option.url('URL', "a running platform's broker", ['mqtt:', 'mqtts:', 'ws:', 'wss:']),
    devices: shared.devices(),
    batch: option.integer('N', 'readings per message', { min: 1, max: 10_000 }).default(500),
    step: option.integer('MS', "one step for every family (default: each family's interval, at least 5 min)", { min: 1_000, max: 86_400_000 }),
    'data-dir': shared.dataDir(),
  },
};

export const backfillHelp = helpText(spec);

export async function backfillCommand(argv: string[]): Promise<void> {
  const { options } = parseCommand(spec, argv);
  const { from: fromMs, to: toMs } = options;
  if (toMs <= fromMs) throw new UsageError(`--to must come after --from (${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()} is empty)`, backfillHelp);
  const maxAgeMs = Math.max(1, Date.now() - fromMs + 86_400_000);
  const context = await commandContext({
    ...(options['data-dir'] ? { dataDir: options['data-dir'] } : {}),
    ingest: { maxAgeMs }, simulate: { enabled: false }, rollups: { enabled: false }, mqtt: { port: 0, wsPort: -1, host: '127.0.0.1' }, http: { port: 0, host: '127.0.0.1' },
    // Issue 21: history is not the live district. Its own platform raises no alarms (a year of
    // readings from no live fleet opened "device silent" for every station) and sends no webhooks.
    alarms: { enabled: false, webhooks: [] },
  });
  // Loaded only when needed: a bad argument or --url does without the broker and the API.
  const platform = options.url ? undefined : (await import('../platform.ts')).createPlatform(context.config, context.log, { command: 'backfill' });
  try {
    await run(options, context, platform);
  } finally {
    await platform?.close();
  }
}

async function run(options: ReturnType<typeof parseCommand<typeof spec.options>>['options'], context: Awaited<ReturnType<typeof commandContext>>, platform: Platform | undefined): Promise<void> {
  const { from: fromMs, to: toMs } = options;
  const url = options.url ?? (await platform!.start()).mqttUrl;
  const devices = context.registry.devices.slice(0, options.devices);
  process.stderr.write(`[backfill] ${devices.length} devices, ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}, into ${url}\n`);
  const report = await brokerStep(url, () =>
    backfill({
      url,
      fleetKey: context.config.fleetKey,
      topics: context.topics,
      devices,
      fromMs,
      toMs,
      seed: options.seed,
      batchReadings: options.batch,
      stepMs: options.step ? Object.fromEntries(familyIds.map((family) => [family, options.step])) : undefined,
      onProgress: progressPrinter('backfill', 5_000),
    }),
  );
  let landed = '';
  if (platform) {
    await platform.ingest.drain();
    let points = 0;
    for (const family of familyIds) {
      const series = await platform.influx.query(`SELECT COUNT("recv_lag_ms") FROM "${getFamily(family).measurement}" WHERE time >= ${fromMs}ms AND time < ${toMs}ms`);
      points += Number(series[0]?.values[0]?.[1] ?? 0);
    }
    landed = `, ${points} points in InfluxDB`;
    const rollupStarted = performance.now();
    const windows = await platform.rollups.recomputeRange(fromMs, toMs);
    landed += `; rolled up ${windows.length} windows in ${((performance.now() - rollupStarted) / 1_000).toFixed(1)} s`;
  }
  const seconds = report.durationMs / 1_000;
  const { statistics: s } = report;
  const share = (value: number, digits: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(digits)} %` : 'n/a');
  process.stdout.write(
    [
      `backfill: ${report.readings} readings in ${report.messages} messages${landed}, ${seconds.toFixed(1)} s (${Math.round(report.readings / Math.max(seconds, 0.001))} readings/s)`,
      `  PM2.5 annual mean (district, valid days)   ${Number.isFinite(s.pm25AnnualMeanUgm3) ? s.pm25AnnualMeanUgm3.toFixed(1) : 'n/a'} µg/m³ over ${s.days} days`,
      `  good-air days (daily AQI ≤ 100)            ${share(s.goodDayShare, 1)}`,
      `  transformer hours at heavy load (≥ 80 %)   ${share(s.heavyLoadHourShare, 2)}`,
      `  mean parking occupancy                     ${share(s.parkingMeanOccupancy, 1)}`,
      `  trunk-road nights over 55 dB(A) (4a)       ${share(s.trunkRoadNightOverLimitShare, 1)}`,
      '',
    ].join('\n'),
  );
}
