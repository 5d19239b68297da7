import { describe, expect, it } from 'vitest';
import { deviceState } from '../../services/live/device-state.ts';
import { freshnessAfter, freshnessOf } from '../../services/live/freshness.ts';
import { bucketMs } from '../../services/live/series-query.ts';
import { buildTiles } from '../../services/live/tiles.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { aqiCategory, evaluateWaterSection, hourlyAqi, noiseLimit } from '../../services/standards/index.ts';

const device = (family: DeviceRecord['family'], attributes: Record<string, unknown>, id = `${family}-x`): DeviceRecord => ({
  id, family, site: id, siteName: id, street: 'dongmen', lat: 22.55, lon: 114.12, secretHash: 'scrypt$x', attributes,
});
const thresholds = { heavyPct: 80, overloadPct: 100 };
// 2026-06-01 12:00 and 23:30 Beijing time: day and night under GB 3096.
const noon = Date.parse('2026-06-01T12:00:00+08:00');
const night = Date.parse('2026-06-01T23:30:00+08:00');

describe('device state: the standards judge, the screen colours', () => {
  it('colours an air station by its real-time AQI with HJ 633’s own colours', () => {
    const values = { pm25: 160, pm10: 90, o3: 80 };
    const state = deviceState(device('air', { stationKind: 'district' }), values, noon, thresholds);
    const expected = hourlyAqi(values, { hourEnding: noon });
    expect(state).toMatchObject({ value: expected.aqi, colour: aqiCategory(expected.aqi!).colour, label: `aqi-${expected.level}` });
    expect(state.severity).toBeGreaterThanOrEqual(2);
  });

  it('badges a river section with its GB 3838 class against its target', () => {
    const section = device('water', { river: 'r', riverName: 'r', sectionName: 's', targetClass: 'III', waterbody: 'river' });
    const clean = deviceState(section, { do: 7, nh3n: 0.3, tp: 0.05, codmn: 3 }, noon, thresholds);
    expect(clean).toMatchObject({ value: evaluateWaterSection({ do: 7, nh3n: 0.3, tp: 0.05, codmn: 3 }, { targetClass: 'III' }).class, limit: 'III', severity: 0 });
    const dirty = deviceState(section, { do: 1, nh3n: 3 }, noon, thresholds);
    expect(dirty).toMatchObject({ value: '劣V', label: 'class-劣V', severity: 3 });
  });

  it('bands a transformer by its apparent load against the configured thresholds', () => {
    const transformer = device('grid', { level: 'transformer', substation: 's', ratedKva: 1_000, voltageClass: '10kV' });
    expect(deviceState(transformer, { activePower: 500 }, noon, thresholds).label).toBe('load-normal');
    expect(deviceState(transformer, { activePower: 650 }, noon, thresholds).label).toBe('load-medium');
    expect(deviceState(transformer, { activePower: 480, reactivePower: 640 }, noon, thresholds)).toMatchObject({ label: 'load-heavy', value: 80 });
    expect(deviceState(transformer, { activePower: 1_100 }, noon, thresholds).label).toBe('load-overload');
    expect(deviceState(transformer, { activePower: 1_100 }, noon, { heavyPct: 90, overloadPct: 120 }).label).toBe('load-heavy');
  });

  it('bands a lot by occupancy: free, busy from 85 %, full', () => {
    const lot = device('parking', { capacity: 100, lotKind: 'office' });
    expect(deviceState(lot, { totalSpaces: 100, occupiedSpaces: 50 }, noon, thresholds).label).toBe('occupancy-free');
    expect(deviceState(lot, { totalSpaces: 100, occupiedSpaces: 85 }, noon, thresholds).label).toBe('occupancy-busy');
    expect(deviceState(lot, { totalSpaces: 100, occupiedSpaces: 100 }, noon, thresholds).label).toBe('occupancy-full');
  });

  it('holds road noise against its zone’s limit for the period, and carries both limits', () => {
    const road = device('noise', { road: 'r', roadName: 'r', zoneClass: '4a' });
    expect(deviceState(road, { leq: 60 }, noon, thresholds)).toMatchObject({ label: 'noise-day-within', limit: noiseLimit('4a', 'day'), limits: { day: 70, night: 55 } });
    expect(deviceState(road, { leq: 60 }, night, thresholds)).toMatchObject({ label: 'noise-night-over', limit: noiseLimit('4a', 'night'), severity: 2 });
  });

  it('shows a value the standard refuses as unjudged, never as an error', () => {
    const lot = device('parking', { capacity: 100, lotKind: 'office' });
    expect(deviceState(lot, { totalSpaces: 0, occupiedSpaces: 0 }, noon, thresholds).label).toBe('no-data');
    expect(deviceState(device('air', { stationKind: 'district' }), {}, noon, thresholds).label).toBe('no-data');
  });
});

describe('freshness and series buckets', () => {
  it('is fresh, late after 2 report intervals, silent after 3 or when never heard', () => {
    expect(freshnessOf('air', 0)).toBe('fresh');
    expect(freshnessOf('air', 120_000)).toBe('fresh');
    expect(freshnessOf('air', 120_001)).toBe('late');
    expect(freshnessOf('air', 180_001)).toBe('silent');
    expect(freshnessOf('water', 3 * 3_600_000)).toBe('fresh');
    expect(freshnessOf('grid', null)).toBe('silent');
  });

  it('counts a device’s own report interval: an hourly station is fresh at 90 min, a 1-min one late at 121 s', () => {
    expect(freshnessAfter(3_600_000, 90 * 60_000)).toBe('fresh');
    expect(freshnessAfter(3_600_000, 2 * 3_600_000 + 1)).toBe('late');
    expect(freshnessAfter(60_000, 121_000)).toBe('late');
    expect(freshnessAfter(60_000, 181_000)).toBe('silent');
  });

  it('chooses a GROUP BY time bucket that gives at most N points, in whole seconds', () => {
    expect(bucketMs(0, 86_400_000, 240)).toBe(360_000);
    expect(bucketMs(0, 86_400_000, 7)).toBe(12_343_000);
    expect(Math.ceil(86_400_000 / bucketMs(0, 86_400_000, 7))).toBeLessThanOrEqual(7);
    expect(bucketMs(0, 10_000, 2_000)).toBe(1_000);
  });
});

describe('district tiles', () => {
  it('counts sections meeting target, heavy transformers, free spaces, roads over limit and devices online', () => {
    const section = device('water', { river: 'r', riverName: 'r', sectionName: 's', targetClass: 'III', waterbody: 'river' }, 'water-a');
    const transformer = device('grid', { level: 'transformer', substation: 's', ratedKva: 1_000, voltageClass: '10kV' }, 'grid-t');
    const lot = device('parking', { capacity: 100, lotKind: 'office' }, 'parking-a');
    const road = device('noise', { road: 'r', roadName: 'r', zoneClass: '4a' }, 'noise-a');
    const devices = [section, transformer, lot, road];
    const latest = new Map([[lot.id, { values: { totalSpaces: 100, occupiedSpaces: 30 } }]]);
    const states = new Map([
      [section.id, deviceState(section, { do: 1 }, night, thresholds)],
      [transformer.id, deviceState(transformer, { activePower: 900 }, night, thresholds)],
      [road.id, deviceState(road, { leq: 60 }, night, thresholds)],
    ]);
    const targets = { version: 1 as const, plan: 'p', planEn: 'p', targets: [] };
    // The lot reports late: still counted (only silence takes a device out), but not on time.
    const freshness = (d: { id: string }) => (d.id === lot.id ? 'late' as const : 'fresh' as const);
    const tiles = Object.fromEntries(buildTiles({ devices, states, latest, freshness, report: null, period: '2026-YTD', targets }).map((t) => [t.id, t]));
    expect(tiles.sections).toMatchObject({ value: 0, of: 1, status: 'at risk' });
    expect(tiles['heavy-load']).toMatchObject({ value: 1, of: 1 });
    expect(tiles.parking).toMatchObject({ value: 70 });
    expect(tiles.noise).toMatchObject({ value: 1, of: 1 });
    // The limits its roads are counted against, by zone and period (GB 3096-2008 Table 1, §3): the wall names the period's.
    expect(tiles.noise!.zoneLimits).toEqual({ unit: 'dB(A)', dayStartHour: 6, nightStartHour: 22, zones: { '4a': { day: 70, night: 55 } } });
    expect(tiles.sections!.zoneLimits).toBeNull();
    expect(tiles.online).toMatchObject({ value: 3, of: 4, status: 'at risk', meets: 'all' });
    expect(tiles['heavy-load']).toMatchObject({ meets: 'none' });
    // A silent transformer's last load is not counted: the wall's rows grey it the same way.
    const silentTiles = Object.fromEntries(buildTiles({ devices, states, latest, freshness: (d) => (d.id === transformer.id ? 'silent' : 'fresh'), report: null, period: '2026-YTD', targets }).map((t) => [t.id, t]));
    // With no transformer heard, the count says nothing of now: no verdict, not 达标 (wall pass).
    expect(silentTiles['heavy-load']).toMatchObject({ value: 0, status: 'insufficient data' });
    expect(tiles.pm25).toMatchObject({ value: null, status: 'pending' });
  });
});
