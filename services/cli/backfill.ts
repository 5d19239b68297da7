import { parseArgs } from 'node:util';
import { backfill } from '../../simulators/backfill.ts';
import { familyIds, getFamily } from '../families/index.ts';
import { createPlatform } from '../platform.ts';
import { commandContext, parseInstant, progressPrinter } from './common.ts';

export const backfillHelp = `wanxiang backfill: generate history for every device through the ingest path

Without --url it starts its own platform (local influxd, or INFLUX_URL) that accepts the
range, fills it, prints the year's statistics, and stops. With --url it publishes to a
running platform, which must accept readings that old (WX_MAX_AGE_MS).

Options:
  --from DATE         start, Beijing time unless a zone is given (default 2025-01-01)
  --to DATE           end, exclusive (default 2026-01-01)
  --seed N            seed (default 2025)
  --url URL           a running platform's broker
  --devices N         first N devices of the registry (default all)
  --batch N           readings per message (default 500)
  --step MS           one step for every family (default: each family's interval, at least 5 min)
`;

export async function backfillCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string', default: '2025-01-01' },
      to: { type: 'string', default: '2026-01-01' },
      seed: { type: 'string', default: '2025' },
      url: { type: 'string' },
      devices: { type: 'string' },
      batch: { type: 'string', default: '500' },
      step: { type: 'string' },
    },
  });
  const fromMs = parseInstant(values.from);
  const toMs = parseInstant(values.to);
  const maxAgeMs = Date.now() - fromMs + 86_400_000;
  const context = await commandContext({ ingest: { maxAgeMs }, simulate: { enabled: false }, rollups: { enabled: false }, mqtt: { port: 0, wsPort: -1, host: '127.0.0.1' }, http: { port: 0, host: '127.0.0.1' } });
  const platform = values.url ? undefined : createPlatform(context.config, context.log);
  const url = values.url ?? (await platform!.start()).mqttUrl;
  const devices = context.registry.devices.slice(0, values.devices ? Number(values.devices) : undefined);
  process.stderr.write(`[backfill] ${devices.length} devices, ${values.from} to ${values.to}, into ${url}\n`);
  const report = await backfill({
    url,
    fleetKey: context.config.fleetKey,
    topics: context.topics,
    devices,
    fromMs,
    toMs,
    seed: Number(values.seed),
    batchReadings: Number(values.batch),
    stepMs: values.step ? Object.fromEntries(familyIds.map((family) => [family, Number(values.step)])) : undefined,
    onProgress: progressPrinter('backfill', 5_000),
  });
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
  process.stdout.write(
    [
      `backfill: ${report.readings} readings in ${report.messages} messages${landed}, ${seconds.toFixed(1)} s (${Math.round(report.readings / seconds)} readings/s)`,
      `  PM2.5 annual mean (district, valid days)   ${s.pm25AnnualMeanUgm3.toFixed(1)} µg/m³ over ${s.days} days`,
      `  good-air days (daily AQI ≤ 100)            ${(s.goodDayShare * 100).toFixed(1)} %`,
      `  transformer hours at heavy load (≥ 80 %)   ${(s.heavyLoadHourShare * 100).toFixed(2)} %`,
      `  mean parking occupancy                     ${(s.parkingMeanOccupancy * 100).toFixed(1)} %`,
      `  trunk-road nights over 55 dB(A) (4a)       ${(s.trunkRoadNightOverLimitShare * 100).toFixed(1)} %`,
      '',
    ].join('\n'),
  );
  await platform?.close();
}
