import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTags } from '../../services/registry/device-tags.ts';
import { ROLLUP_SCHEMA_VERSION } from '../../services/rollups/rollup-schema.ts';
import { encodePoint, type Point } from '../../services/storage/line-protocol.ts';
import type { Series } from '../../services/storage/influx-client.ts';
import { readCommittedDashboards, type DashboardJson } from '../helpers/grafana-dashboards.ts';
import type { TimeRange } from '../helpers/grafana-macros.ts';
import { queryPanel, type PanelVariables } from '../helpers/grafana-panel-query.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// The Grafana dashboards query the rollup measurements directly. A review mark never deletes: a day it
// empties is a tombstone whose old figures InfluxDB keeps (fields_present ''), a field it takes out of a
// window keeps its old value. The API reads by fields_present; so must every panel, or a marked-out day
// still counts on the wall's Grafana side. Points written before rollup schema 3 (no fields_present)
// must count as they always did.
const dayMs = 86_400_000;
const quarterMs = 15 * 60_000;
const at = (text: string) => Date.parse(`${text}T00:00:00+08:00`);
const oldDay = at('2025-03-05'); // rollups written the old way, before schema 3
const markedDay = at('2025-03-10'); // t1's day marked out whole; the lot's occupied_spaces (and so its occupancy) marked out
const nextDay = at('2025-03-11'); // untouched
const t1 = 'grid-buxin-t1';
const t2 = 'grid-buxin-t2';
const lot = 'parking-people-hospital';
const tokens = { officer: 'officer-token-0123456789abcdef' };

describe('Grafana panels over review marks: a marked-out day or field no longer counts, untouched and old days still do', () => {
  let test: TestPlatform;
  let dashboards: Map<string, DashboardJson>;
  const variables = new Map<string, PanelVariables>();

  /** A panel's first query, as Grafana sends it with every variable at All, over [fromMs, toMs]. */
  const panel = (uid: string, title: string, range: TimeRange) => queryPanel({ influx: test.platform.influx, dashboards, variables }, uid, title, range);
  const day = (startMs: number): TimeRange => ({ fromMs: startMs, toMs: startMs + dayMs - 1 });
  const all: TimeRange = { fromMs: oldDay, toMs: nextDay + dayMs - 1 };
  /** The sum of every non-null value of a series' first value column, per the series' device (or '' without one). */
  const sums = (series: Series[]) => {
    const out: Record<string, number> = {};
    for (const s of series) for (const row of s.values) if (typeof row[1] === 'number') out[s.tags?.device ?? ''] = (out[s.tags?.device ?? ''] ?? 0) + row[1];
    return out;
  };
  const devicesOf = (series: Series[]) => [...new Set(series.filter((s) => s.values.some((row) => row[1] !== null)).map((s) => s.tags?.device))].sort();
  const api = async (body: unknown) => {
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, { method: 'POST', headers: { authorization: `Bearer ${tokens.officer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return response.status;
  };

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 10 * 365 * dayMs }, rollups: { enabled: false }, http: { tokens: [{ role: 'officer', token: tokens.officer }] } });
    // An installation at schema 2: rollup points without fields_present, a day of t1 and of the lot.
    const old = (measurement: string, device: string, fields: Point['fields'], timeMs: number, tags: Record<string, string> = {}) =>
      encodePoint({ measurement, tags: { ...deviceTags(test.device(device)), ...tags }, fields, timeMs });
    const heavyQuarters = Array.from({ length: 16 }, (_, i) => oldDay + 9 * 3_600_000 + i * quarterMs);
    await test.platform.influx.write([
      'rollup_schema version=2i 1741100000000',
      old('grid_daily', t1, [['heavy_hours', 4, 'float'], ['overload_hours', 0, 'float'], ['max_load_pct', 90, 'float'], ['heavy_events', 1, 'int'], ['overload_events', 0, 'int'], ['points', 96, 'int']], oldDay),
      ...heavyQuarters.map((time) => old('grid_load_15min', t1, [['load_rate_pct', 90, 'float']], time)),
      old('grid_events', t1, [['duration_min', 240, 'float'], ['peak_pct', 90, 'float'], ['end_ms', heavyQuarters.at(-1)! + quarterMs, 'int']], heavyQuarters[0]!, { kind: 'heavy' }),
      old('parking_hourly', lot, [['occupancy_pct', 50, 'float'], ['occupied_spaces', 210, 'float']], oldDay + 10 * 3_600_000),
      old('parking_daily', lot, [['peak_occupancy_pct', 50, 'float'], ['peak_hours', '10', 'string'], ['busy_hours', 0, 'int'], ['shareable_offpeak_spaces', 77, 'int'], ['sharing_window', '19-7', 'string'], ['mean_occupancy_pct', 50, 'float']], oldDay),
    ].join('\n'));

    // t1 on the marked day and the next, t2 on the marked day: 50 % load, 90 % from 09:00 to 13:00 (one sustained heavy-load event, 4 h).
    for (const [id, days] of [[t1, [markedDay, nextDay]], [t2, [markedDay]]] as const) {
      const transformer = test.device(id);
      const rated = Number(transformer.attributes.ratedKva);
      const readings = days.flatMap((start) => Array.from({ length: 96 }, (_, i) => ({ ts: start + i * quarterMs, activePower: rated * (i >= 36 && i < 52 ? 0.9 : 0.5) })));
      const client = await test.connect(transformer);
      await client.publishAsync(test.topics.build('grid', id, 'telemetry'), JSON.stringify(readings), { qos: 1 });
    }
    // The lot on the marked day: 300 of its 420 spaces taken from 08:00 to 18:00, 100 otherwise.
    const parking = test.device(lot);
    const capacity = Number(parking.attributes.capacity);
    const client = await test.connect(parking);
    const occupancy = Array.from({ length: 96 }, (_, i) => ({ ts: markedDay + i * quarterMs, totalSpaces: capacity, occupiedSpaces: i >= 32 && i < 72 ? 300 : 100 }));
    await client.publishAsync(test.topics.build('parking', lot, 'telemetry'), JSON.stringify(occupancy), { qos: 1 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(markedDay, nextDay + dayMs);
    dashboards = await readCommittedDashboards();
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('gives the points written before schema 3 their list of fields, and marks the schema', async () => {
    const [daily] = await test.platform.influx.query(`SELECT "fields_present" FROM "grid_daily" WHERE "device" = '${t1}' AND time = ${oldDay}ms`);
    expect(String(daily!.values[0]![1]).split(',').sort()).toEqual(['heavy_events', 'heavy_hours', 'max_load_pct', 'overload_events', 'overload_hours', 'points']);
    const [lotDay] = await test.platform.influx.query(`SELECT "fields_present", "shareable_offpeak_spaces" FROM "parking_daily" WHERE "device" = '${lot}' AND time = ${oldDay}ms`);
    expect(lotDay!.values[0]![1]).toContain('shareable_offpeak_spaces');
    expect(lotDay!.values[0]![2]).toBe(77); // the figures stay as they were
    // A window no mark touched lists its fields too (schema 3): the panels' condition keeps it.
    const [untouched] = await test.platform.influx.query(`SELECT "fields_present" FROM "grid_daily" WHERE "device" = '${t2}' AND time = ${markedDay}ms`);
    expect(String(untouched!.values[0]![1]).split(',')).toContain('heavy_events');
    const [marker] = (await test.platform.influx.query('SELECT last("version") FROM "rollup_schema"'))[0]!.values;
    expect(marker![1]).toBe(ROLLUP_SCHEMA_VERSION);
  });

  it('counts the old day, the marked day and the next before any mark', async () => {
    expect(sums(await panel('wanxiang-grid', '重载事件 · Heavy-load events', all))).toEqual({ '': 4 });
    expect(sums(await panel('wanxiang-grid', '重载小时 · Hours at heavy load per day', all))).toEqual({ [t1]: 12, [t2]: 4 });
    expect(devicesOf(await panel('wanxiang-grid', '15分钟负载率 · 15-min load rate (rollup)', day(markedDay)))).toEqual([t1, t2]);
    expect(sums(await panel('wanxiang-compliance', '重载配变数量 · Distribution transformers with sustained heavy load', day(markedDay)))).toEqual({ '': 2 });
    expect(devicesOf(await panel('wanxiang-parking', 'parking_hourly.occupied_spaces', day(markedDay)))).toEqual([lot]);
  });

  it('no longer counts a transformer day a mark emptied, nor a field a mark took out of the lot\'s hours; the old and untouched days still count', async () => {
    expect(await api({ device: t1, from: '2025-03-10', to: '2025-03-11', reason: 'fault', comment: 'CT ratio wrong all day' })).toBe(201);
    expect(await api({ device: lot, from: '2025-03-10', to: '2025-03-11', fields: ['occupied_spaces'], reason: 'fault', comment: 'loop detector miscounting' })).toBe(201);
    await test.platform.rollups.runOnce();
    // The stored tombstone keeps its old figures: what the panels read without fields_present.
    const [stored] = await test.platform.influx.query(`SELECT "heavy_events", "fields_present" FROM "grid_daily" WHERE "device" = '${t1}' AND time = ${markedDay}ms`);
    expect(stored!.values[0]!.slice(1)).toEqual([1, '']);

    // Grid: the events and hours of t1's marked day are gone; its old day (written before schema 3) and its next day stay, and t2's marked-day event.
    expect(sums(await panel('wanxiang-grid', '重载事件 · Heavy-load events', all))).toEqual({ '': 3 });
    expect(sums(await panel('wanxiang-grid', '重载小时 · Hours at heavy load per day', all))).toEqual({ [t1]: 8, [t2]: 4 });
    expect(devicesOf(await panel('wanxiang-grid', '15分钟负载率 · 15-min load rate (rollup)', day(markedDay)))).toEqual([t2]);
    expect(devicesOf(await panel('wanxiang-grid', '15分钟负载率 · 15-min load rate (rollup)', day(oldDay)))).toEqual([t1]);
    const events = (await panel('wanxiang-grid', '持续负载事件 · Sustained load events', all)).flatMap((s) => s.values.map((row) => [row[0], row[s.columns.indexOf('device')]]));
    expect(events.filter(([, device]) => device === t1).map(([time]) => time).sort()).toEqual([oldDay + 9 * 3_600_000, nextDay + 9 * 3_600_000]);
    for (const field of ['heavy_events', 'heavy_hours', 'max_load_pct', 'points']) {
      expect(devicesOf(await panel('wanxiang-grid', `grid_daily.${field}`, day(markedDay))), field).toEqual([t2]);
      expect(devicesOf(await panel('wanxiang-grid', `grid_daily.${field}`, day(oldDay))), field).toEqual([t1]);
    }
    expect(devicesOf(await panel('wanxiang-grid', 'grid_events.duration_min', day(markedDay)))).toEqual([t2]);
    // The plan's target, on the compliance board and the overview: one transformer heavy that day, not two.
    expect(sums(await panel('wanxiang-compliance', '重载配变数量 · Distribution transformers with sustained heavy load', day(markedDay)))).toEqual({ '': 1 });
    expect(sums(await panel('wanxiang-compliance', '重载配变数量 · Distribution transformers with sustained heavy load', day(oldDay)))).toEqual({ '': 1 });

    // Parking: the hours lose their count of occupied spaces and the occupancy computed from it (a
    // derived field goes with its raw fields, services/review/marked-fields.ts); the old day keeps both.
    expect(devicesOf(await panel('wanxiang-parking', 'parking_hourly.occupied_spaces', day(markedDay)))).toEqual([]);
    expect(devicesOf(await panel('wanxiang-parking', 'parking_hourly.occupied_spaces', day(oldDay)))).toEqual([lot]);
    expect(devicesOf(await panel('wanxiang-parking', 'parking_hourly.occupancy_pct', day(markedDay)))).toEqual([]);
    expect(devicesOf(await panel('wanxiang-parking', 'parking_hourly.occupancy_pct', day(oldDay)))).toEqual([lot]);
    // Without the counts the day has no occupancy, no peak and no off-peak space to promise; the old day's 77 stay.
    expect(devicesOf(await panel('wanxiang-parking', 'parking_daily.peak_occupancy_pct', day(markedDay)))).toEqual([]);
    expect(sums(await panel('wanxiang-parking', 'parking_daily.shareable_offpeak_spaces', day(markedDay)))).toEqual({});
    expect(sums(await panel('wanxiang-compliance', '可错峰共享车位 · Parking spaces shareable off-peak', day(oldDay)))).toEqual({ '': 77 });
  }, 60_000);
});
