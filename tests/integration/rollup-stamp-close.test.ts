import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile, type DeviceRegistry } from '../../services/registry/device-registry.ts';
import { createRollupEngine } from '../../services/rollups/rollup-engine.ts';
import { stampFieldsPresent } from '../../services/rollups/fields-present-stamp.ts';
import { ROLLUP_SCHEMA_VERSION, storedSchemaVersion } from '../../services/rollups/rollup-schema.ts';
import { createInfluxClient, type InfluxClient } from '../../services/storage/influx-client.ts';

/**
 * Rollup schema 3's first run gives every stored rollup point its fields_present, reading each
 * measurement a week at a time: for years of history, minutes. The engine's close() waited for all of
 * it, so a platform asked to stop on its first start after the upgrade did not stop (SIGKILL after a
 * service manager's timeout, or a cluster's leader handing over while it still stamped). The stamp now
 * stops at close, the schema unmarked, and the next start finishes it: nothing is lost, being idempotent.
 */
const weekMs = 7 * 86_400_000;
const measurements = ['air_hourly', 'air_daily', 'water_daily', 'noise_daily', 'grid_daily', 'parking_daily'];

describe('the rollup schema 3 stamp stops when the engine closes and is finished by the next', () => {
  let influx: InfluxClient;
  let registry: DeviceRegistry;
  const unlisted = async () => {
    let count = 0;
    for (const measurement of measurements) {
      const [series] = await influx.query(`SELECT COUNT("points") FROM "${measurement}"`);
      const [listed] = await influx.query(`SELECT COUNT("fields_present") FROM "${measurement}"`);
      count += Number(series?.values[0]?.[1] ?? 0) - Number(listed?.values[0]?.[1] ?? 0);
    }
    return count;
  };

  beforeAll(async () => {
    influx = createInfluxClient({ url: inject('influxUrl'), database: `stamp_${process.pid}_${Date.now()}` });
    await influx.ensureDatabase('INF');
    registry = createDeviceRegistry(await loadRegistryFile('seeds/devices.json'));
    // An installation at schema 2: a year of weekly points without fields_present in each measurement.
    const start = Date.parse('2024-01-01T00:00:00+08:00');
    await influx.write(['rollup_schema version=2i 1700000000000', ...measurements.flatMap((measurement) => Array.from({ length: 52 }, (_, i) => `${measurement},device=old points=96i,figure=${i} ${start + i * weekMs}`))]);
  });
  afterAll(async () => {
    await influx?.query(`DROP DATABASE "${influx.database}"`, { database: null });
  });

  it('closes without waiting for the rest of the stamp, leaves the schema unmarked, and the next engine finishes it', async () => {
    let stamped!: () => void;
    const firstStamped = new Promise<void>((resolve) => (stamped = resolve));
    const log = createLogger('debug', { write: (line: string) => void (line.includes('now list their fields') && stamped()) });
    const engine = createRollupEngine({ influx, registry, metrics: createMetrics(), log });
    const run = engine.runOnce().catch((error: unknown) => error);
    await firstStamped;
    await engine.close();
    // Closed while the other measurements were still to be stamped: their points are left for the next start.
    expect(await unlisted()).toBeGreaterThan(0);
    await run;
    expect(await storedSchemaVersion(influx)).toBe(2);

    const next = createRollupEngine({ influx, registry, metrics: createMetrics(), log: createLogger('silent') });
    await next.runOnce();
    await next.close();
    expect(await unlisted()).toBe(0);
    expect(await storedSchemaVersion(influx)).toBe(ROLLUP_SCHEMA_VERSION);
  });

  it('a point another program wrote with a numeric fields_present does not stop every rollup for good', async () => {
    const other = createInfluxClient({ url: inject('influxUrl'), database: `stamp_foreign_${process.pid}_${Date.now()}` });
    await other.ensureDatabase('INF');
    try {
      const week = Date.parse('2025-06-03T12:00:00+08:00'); // a Tuesday: the next day is in the same shard (weeks from Monday 00:00 UTC)
      await other.write([
        'rollup_schema version=2i 1700000000000',
        `air_daily,device=outsider fields_present=1i ${week}`, // another program's, in the shard of the week
        `air_daily,device=old points=96i ${week + 86_400_000}`, // ours, written before schema 3, in the same shard
        `noise_daily,device=old day_points=96i ${week}`, // ours, in another measurement
      ].join('\n'));
      const lines: string[] = [];
      const engine = createRollupEngine({ influx: other, registry, metrics: createMetrics(), log: createLogger('debug', { write: (line: string) => void lines.push(line) }) });
      // The run went on failing at the migration before any window, every 10 s, for ever.
      await engine.runOnce();
      await engine.close();
      const [noise] = await other.query('SELECT "fields_present" FROM "noise_daily"');
      expect(noise!.values[0]![1]).toBe('day_points');
      // The point InfluxDB refused stays without its list, said once, with the code and InfluxDB's answer.
      const said = lines.map((line) => JSON.parse(line) as { code?: string; msg: string; measurement?: string }).filter((line) => line.code === 'WX_ERR_ROLLUP_FAILED');
      expect(said).toEqual([expect.objectContaining({ measurement: 'air_daily', msg: expect.stringMatching(/could not be given their fields_present/) })]);
      expect(await storedSchemaVersion(other)).toBe(ROLLUP_SCHEMA_VERSION);
    } finally {
      await other.query(`DROP DATABASE "${other.database}"`, { database: null });
    }
  });

  it('reads a measurement of many series in spans that bring back about the rows asked, not a week at a time', async () => {
    // 60 transformers' quarters over a week, without fields_present: 40,320 rows a week.
    const start = Date.parse('2025-06-02T00:00:00+08:00');
    const lines = Array.from({ length: 60 }, (_, device) => Array.from({ length: 7 * 96 }, (_, q) => `grid_load_15min,device=t${device} load_rate_pct=${q % 100} ${start + q * 900_000}`)).flat();
    for (let i = 0; i < lines.length; i += 5_000) await influx.write(lines.slice(i, i + 5_000).join('\n'));
    // Every answer of the stamp's reads, counted in rows (the client is ours: wrapped, not faked).
    const answers: number[] = [];
    const counting = { ...influx, query: async (text: string) => {
      const series = await influx.query(text);
      if (text.startsWith('SELECT * FROM "grid_load_15min" WHERE')) answers.push(series.reduce((sum, { values }) => sum + values.length, 0));
      return series;
    } };
    expect(await stampFieldsPresent(counting, ['grid_load_15min'], { rowsPerRead: 2_000 })).toBe(lines.length);
    // Each read near the 2,000 asked (one may pass it before the span is halved), none the week's 40,320.
    expect(Math.max(...answers)).toBeLessThanOrEqual(4_000);
    const [listed] = await influx.query('SELECT COUNT("fields_present") FROM "grid_load_15min"');
    expect(listed!.values[0]![1]).toBe(lines.length);
  });
});
