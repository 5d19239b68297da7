import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parsePeriod } from '../../services/compliance/period.ts';
import { createDeviceRegistry, loadRegistryFile, type DeviceRegistry } from '../../services/registry/device-registry.ts';
import { deviceTags } from '../../services/registry/device-tags.ts';
import { rankingTable } from '../../services/reports/ranking-table.ts';
import { createInfluxClient, type InfluxClient } from '../../services/storage/influx-client.ts';
import { encodePoint } from '../../services/storage/line-protocol.ts';

/**
 * The ranking's "same period last year" (环办监测〔2018〕19号's 同比) for a period still running: the
 * report of March asked on 10 March compared March 1-10 with the whole of last March, so the change
 * on last year was the season's (late March's cleaner or dirtier air), not the air's.
 */
const dayMs = 86_400_000;
const at = (text: string) => Date.parse(`${text}T00:00:00+08:00`);
const station = 'air-dongmen';
const fields = ['so2_ugm3', 'no2_ugm3', 'pm10_ugm3', 'pm25_ugm3', 'co_mgm3', 'o3_8h_ugm3'] as const;

describe('ranking: the same period last year of a period still running', () => {
  let influx: InfluxClient;
  let registry: DeviceRegistry;

  beforeAll(async () => {
    influx = createInfluxClient({ url: inject('influxUrl'), database: `ranking_${process.pid}_${Date.now()}` });
    await influx.ensureDatabase('INF');
    registry = createDeviceRegistry(await loadRegistryFile('seeds/devices.json'));
    const tags = deviceTags(registry.device(station)!);
    const day = (startMs: number, level: number, of = tags) => encodePoint({
      measurement: 'air_daily', tags: of, timeMs: startMs,
      fields: [...fields.map((field) => [field, field === 'co_mgm3' ? level / 40 : level, 'float'] as const), ['fields_present', fields.join(','), 'string']],
    });
    // This March so far (1-10) at 30; last March the same 10 days at 30, then 21 days at 90.
    // February 2024 (a leap year) at 30 on its 29 days; February 2023 at 30, and 1 March 2023 at 90.
    await influx.write([
      ...Array.from({ length: 10 }, (_, i) => day(at('2025-03-01') + i * dayMs, 30)),
      ...Array.from({ length: 31 }, (_, i) => day(at('2024-03-01') + i * dayMs, i < 10 ? 30 : 90)),
      ...Array.from({ length: 29 }, (_, i) => day(at('2024-02-01') + i * dayMs, 30)),
      ...Array.from({ length: 28 }, (_, i) => day(at('2023-02-01') + i * dayMs, 30)),
      day(at('2023-03-01'), 90),
      // A second station of the same street, at 90, decommissioned since (no longer in the registry):
      // last March and this March's first days, before it was taken out.
      ...Array.from({ length: 31 }, (_, i) => day(at('2024-03-01') + i * dayMs, 90, { ...tags, device: 'air-dongmen-old', site: 'aqs-dongmen-old' })),
      ...Array.from({ length: 5 }, (_, i) => day(at('2025-03-01') + i * dayMs, 90, { ...tags, device: 'air-dongmen-old', site: 'aqs-dongmen-old' })),
    ]);
  });
  afterAll(async () => {
    await influx?.query(`DROP DATABASE "${influx.database}"`, { database: null });
  });

  it('compares the days of this period so far with the same days of last year, not with last year\'s whole period', async () => {
    const now = at('2025-03-10') + 15 * 3_600_000; // 10 March, 15:00
    const table = await rankingTable({ influx, registry, now }, parsePeriod('2025-03', now), 'en');
    const row = table.rows.find((candidate) => candidate.kind === 'station')!;
    expect(row).toBeDefined();
    // The same ten days at the same levels: the same index, no change.
    expect(row.lastYear).toBe(row.index);
    expect(row.change).toBe(0);
  });

  it('takes no day past last year\'s February for a leap-year February asked on its 29th', async () => {
    const now = at('2024-02-29') + 15 * 3_600_000; // 29 February is 1 March a year before
    const table = await rankingTable({ influx, registry, now }, parsePeriod('2024-02', now), 'en');
    const row = table.rows.find((candidate) => candidate.kind === 'station')!;
    expect(row.lastYear).toBe(row.index);
    expect(row.change).toBe(0);
  });

  it('compares a street with the stations that make its figure this period: one taken out since does not count last year', async () => {
    const now = at('2025-03-10') + 15 * 3_600_000;
    const table = await rankingTable({ influx, registry, now }, parsePeriod('2025-03', now), 'en');
    const street = table.rows.find((candidate) => candidate.kind === 'street')!;
    // This year the street is air-dongmen alone (the old station is no longer registered); last year's
    // figure with the old station at 90 made the street look twice as clean as a year before.
    expect(street.lastYear).toBe(street.index);
    expect(street.change).toBe(0);
  });

  it('compares a period that is over with the whole of last year\'s', async () => {
    const now = at('2025-05-01');
    const table = await rankingTable({ influx, registry, now }, parsePeriod('2025-03', now), 'en');
    const row = table.rows.find((candidate) => candidate.kind === 'station')!;
    // The whole of last March, its 21 dirtier days included.
    expect(row.lastYear).toBeGreaterThan(row.index as number);
    expect(row.change).toBeLessThan(0);
  });
});
