import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPanels, readCommittedDashboards, type DashboardJson } from '../helpers/grafana-dashboards.ts';
import { expandQuery, type TimeRange } from '../helpers/grafana-macros.ts';
import { queryPanel, type PanelVariables } from '../helpers/grafana-panel-query.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// A recomputation overwrites the rollup points it yields, and InfluxDB keeps the ones it no longer
// yields: a grid event a late reading merged into the one before (at its old start), the second half of
// an event a revoked mark had split, a device's day under the tags it had before the registry changed.
// Each must become a tombstone (fields_present ''), which the API, the reports and the committed Grafana
// panel queries skip, or event counts and durations (and a monitor's exceedances) are counted twice.
const dayMs = 86_400_000;
const hourMs = 3_600_000;
const quarterMs = 15 * 60_000;
const at = (text: string) => Date.parse(`${text}T00:00:00+08:00`);
const mergeDay = at('2025-03-10'); // t1: two events, then the hour between them arrives late
const midnightDay = at('2025-03-12'); // t2: an event to 23:45, one from 00:00, then the quarter between
const splitDay = at('2025-03-14'); // t1: one event, split by a mark, then the mark revoked
const movedDay = at('2025-03-17'); // a noise monitor re-zoned, a water section moved to another river
const eveningDay = at('2025-03-20'); // t2: one event 21:00-03:00, split by a mark to midnight, then the mark revoked
const t1 = 'grid-buxin-t1';
const t2 = 'grid-buxin-t2';
const monitor = 'noise-buxin-road-1';
const section = 'water-shenzhen-river-mouth';
const tokens = { officer: 'officer-token-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };

describe('rollup points a recomputation no longer yields become tombstones the API and the Grafana panels skip', () => {
  let test: TestPlatform;
  let dashboards: Map<string, DashboardJson>;
  const variables = new Map<string, PanelVariables>();

  /** A panel's first query, as Grafana sends it with every variable at All. */
  const panel = (uid: string, title: string, range: TimeRange) => queryPanel({ influx: test.platform.influx, dashboards, variables }, uid, title, range);
  const day = (startMs: number, days = 1): TimeRange => ({ fromMs: startMs, toMs: startMs + days * dayMs - 1 });
  /** The events table of the grid board: [start, device, duration] of every row. */
  const eventRows = async (range: TimeRange) =>
    (await panel('wanxiang-grid', '持续负载事件 · Sustained load events', range)).flatMap((s) => s.values.map((row) => [row[0], row[s.columns.indexOf('device')], row[s.columns.indexOf('duration_min')]]));
  /** Stored grid_events of a transformer: start → fields_present. */
  const storedEvents = async (device: string, range: TimeRange) => {
    const series = await test.platform.influx.query(`SELECT "fields_present" FROM "grid_events" WHERE "device" = '${device}' AND "kind" = 'heavy' AND time >= ${range.fromMs}ms AND time <= ${range.toMs}ms`);
    return Object.fromEntries(series.flatMap((s) => s.values.map((row) => [row[0], row[1]])));
  };
  const get = async (path: string, token = tokens.officer) => {
    const response = await fetch(`${test.endpoints.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status, path).toBe(200);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const post = async (body: unknown) => {
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, { method: 'POST', headers: { authorization: `Bearer ${tokens.officer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  };
  /** A transformer's load: 90 % over the quarters `heavy` picks, 50 % otherwise, for every quarter `sent` picks. */
  async function load(device: string, fromMs: number, quarters: number, sent: (i: number) => boolean, heavy: (i: number) => boolean) {
    const rated = Number(test.device(device).attributes.ratedKva);
    const readings = Array.from({ length: quarters }, (_, i) => i).filter(sent).map((i) => ({ ts: fromMs + i * quarterMs, activePower: rated * (heavy(i) ? 0.9 : 0.5) }));
    const client = await test.connect(test.device(device));
    for (let i = 0; i < readings.length; i += 200) await client.publishAsync(test.topics.build('grid', device, 'telemetry'), JSON.stringify(readings.slice(i, i + 200)), { qos: 1 });
    await test.platform.ingest.drain();
  }

  beforeAll(async () => {
    test = await startTestPlatform({
      ingest: { maxAgeMs: 10 * 365 * dayMs },
      rollups: { enabled: false },
      http: { tokens: [{ role: 'officer', token: tokens.officer }, { role: 'reader', token: tokens.reader }] },
    });
    dashboards = await readCommittedDashboards();
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('a late hour that merges two heavy-load events leaves one event, the second start a tombstone', async () => {
    // 09:00-11:00 and 12:00-14:00 at 90 %, 11:00-12:00 not yet arrived: two sustained events (8 quarters each).
    const gap = (i: number) => i >= 44 && i < 48;
    await load(t1, mergeDay, 96, (i) => !gap(i), (i) => i >= 36 && i < 56);
    await test.platform.rollups.recomputeRange(mergeDay, mergeDay + dayMs);
    expect(await eventRows(day(mergeDay))).toEqual([[mergeDay + 12 * hourMs, t1, 120], [mergeDay + 9 * hourMs, t1, 120]]);

    // The hour arrives late, at 90 % too: one event of 5 h from 09:00, recomputed by the readings' own marks.
    await load(t1, mergeDay, 96, gap, () => true);
    await test.platform.rollups.runOnce();
    expect(await storedEvents(t1, day(mergeDay))).toEqual({ [mergeDay + 9 * hourMs]: 'duration_min,peak_pct,end_ms', [mergeDay + 12 * hourMs]: '' });
    expect(await eventRows(day(mergeDay))).toEqual([[mergeDay + 9 * hourMs, t1, 300]]);
    const durations = await panel('wanxiang-grid', 'grid_events.duration_min', day(mergeDay));
    expect(durations.flatMap((s) => s.values.filter((row) => row[1] !== null).map((row) => row[1]))).toEqual([300]);
    // The day's own count was always right (grid_daily is overwritten in place).
    const counted = await panel('wanxiang-grid', '重载事件 · Heavy-load events', day(mergeDay));
    expect(counted.flatMap((s) => s.values.map((row) => row[1]))).toEqual([1]);
  });

  it('a late quarter at 23:45 that joins an event from 21:15 to the next day\'s from 00:00 leaves one event (the next day is recomputed too)', async () => {
    const next = midnightDay + dayMs;
    // 21:15-23:45 and, the next day, 00:00-02:30 at 90 %; the quarter 23:45-24:00 not yet arrived.
    await load(t2, midnightDay, 2 * 96, (i) => i !== 95, (i) => i >= 85 && i < 106);
    await test.platform.rollups.recomputeRange(midnightDay, next + dayMs);
    expect((await eventRows(day(midnightDay, 2))).map(([start]) => start)).toEqual([next, midnightDay + 21 * hourMs + quarterMs]);

    await load(t2, midnightDay, 96, (i) => i === 95, () => true);
    await test.platform.rollups.runOnce();
    expect(await storedEvents(t2, day(midnightDay, 2))).toEqual({ [midnightDay + 21 * hourMs + quarterMs]: 'duration_min,peak_pct,end_ms', [next]: '' });
    expect(await eventRows(day(midnightDay, 2))).toEqual([[midnightDay + 21 * hourMs + quarterMs, t2, 21 * 15]]);
  });

  it('an event a mark split is one event again once the mark is revoked', async () => {
    await load(t1, splitDay, 96, () => true, (i) => i >= 36 && i < 56); // 09:00-14:00 at 90 %
    await test.platform.rollups.recomputeRange(splitDay, splitDay + dayMs);
    expect(await eventRows(day(splitDay))).toEqual([[splitDay + 9 * hourMs, t1, 300]]);

    // 11:00-12:00 marked out: 09:00-11:00 and 12:00-14:00, two events.
    const mark = await post({ device: t1, from: '2025-03-14T11:00', to: '2025-03-14T12:00', reason: 'fault', comment: 'CT swapped for an hour' });
    await test.platform.rollups.runOnce();
    expect(await eventRows(day(splitDay))).toEqual([[splitDay + 12 * hourMs, t1, 120], [splitDay + 9 * hourMs, t1, 120]]);

    await post({ action: 'revoke', revokes: mark.id, comment: 'the CT was right after all' });
    await test.platform.rollups.runOnce();
    expect(await storedEvents(t1, day(splitDay))).toEqual({ [splitDay + 9 * hourMs]: 'duration_min,peak_pct,end_ms', [splitDay + 12 * hourMs]: '' });
    expect(await eventRows(day(splitDay))).toEqual([[splitDay + 9 * hourMs, t1, 300]]);
    // The figures before review never had the split.
    const [unreviewed] = await test.platform.influx.query(`SELECT "duration_min" FROM "grid_events_unreviewed" WHERE "device" = '${t1}' AND "kind" = 'heavy' AND time >= ${splitDay}ms AND time < ${splitDay + dayMs}ms`);
    expect(unreviewed!.values).toEqual([[splitDay + 9 * hourMs, 300]]);
  });

  it('an event a mark to midnight split is one event again once the mark is revoked (the next day, with the second half, is recomputed too)', async () => {
    const next = eveningDay + dayMs;
    await load(t2, eveningDay, 2 * 96, () => true, (i) => i >= 84 && i < 108); // 21:00-03:00 at 90 %
    await test.platform.rollups.recomputeRange(eveningDay, next + dayMs);
    expect(await eventRows(day(eveningDay, 2))).toEqual([[eveningDay + 21 * hourMs, t2, 360]]);

    // 23:00-24:00 marked out: 21:00-23:00 and, the next day, 00:00-03:00.
    const mark = await post({ device: t2, from: '2025-03-20T23:00', to: '2025-03-21T00:00', reason: 'fault', comment: 'meter swapped' });
    await test.platform.rollups.runOnce();
    expect(await eventRows(day(eveningDay, 2))).toEqual([[next, t2, 180], [eveningDay + 21 * hourMs, t2, 120]]);

    await post({ action: 'revoke', revokes: mark.id, comment: 'the meter was right' });
    await test.platform.rollups.runOnce();
    expect(await storedEvents(t2, day(eveningDay, 2))).toEqual({ [eveningDay + 21 * hourMs]: 'duration_min,peak_pct,end_ms', [next]: '' });
    expect(await eventRows(day(eveningDay, 2))).toEqual([[eveningDay + 21 * hourMs, t2, 360]]);
  });

  it('a device\'s day and month under the tags it had before the registry changed are tombstones, not counted twice', async () => {
    // A night at Leq 60 dB(A): over both 4a's 55 and class 2's 50. Readings every 5 minutes to 06:00 the next morning.
    const noise = await test.connect(test.device(monitor));
    const levels = Array.from({ length: 30 * 12 }, (_, i) => ({ ts: movedDay + i * 300_000, leq: 60, lmax: 70 }));
    for (let i = 0; i < levels.length; i += 120) await noise.publishAsync(test.topics.build('noise', monitor, 'telemetry'), JSON.stringify(levels.slice(i, i + 120)), { qos: 1 });
    const water = await test.connect(test.device(section));
    const samples = Array.from({ length: 6 }, (_, i) => ({ ts: movedDay + i * 4 * hourMs, ph: 7.2, do: 6.1, codmn: 4, cod: 18, nh3n: 0.8, tp: 0.12, tn: 1.5 }));
    await water.publishAsync(test.topics.build('water', section, 'telemetry'), JSON.stringify(samples), { qos: 1 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(movedDay, movedDay + dayMs, ['noise', 'water']);
    const exceedances = async () => (await panel('wanxiang-noise', '夜间超标 · Night exceedances', day(movedDay))).flatMap((s) => s.values.map((row) => row[1]));
    expect(await exceedances()).toEqual([1]);

    // The road is reclassified (4a → 2) and the section filed under another river: the registry file is edited.
    const path = test.config.registryFile!;
    const file = JSON.parse(await readFile(path, 'utf8')) as { devices: Array<{ id: string; attributes: Record<string, unknown> }> };
    for (const device of file.devices) {
      if (device.id === monitor) device.attributes.zoneClass = '2';
      if (device.id === section) device.attributes.river = 'buji-river';
    }
    await writeFile(path, `${JSON.stringify(file, null, 2)}\n`);
    await expect.poll(() => [test.platform.registry.device(monitor)!.attributes.zoneClass, test.platform.registry.device(section)!.attributes.river], { timeout: 10_000 }).toEqual(['2', 'buji-river']);
    await test.platform.rollups.recomputeRange(movedDay, movedDay + dayMs, ['noise', 'water']);

    const [old] = await test.platform.influx.query(`SELECT "night_exceeds", "fields_present" FROM "noise_daily" WHERE "device" = '${monitor}' AND "zone" = '4a' AND time = ${movedDay}ms`);
    expect(old!.values[0]!.slice(1)).toEqual([1, '']); // its old figure kept by InfluxDB, listed by none
    expect(await exceedances()).toEqual([1]);
    const limits = await test.platform.influx.query(expandQuery(allPanels(dashboards.get('noise.json')!.panels).find((p) => p.title === '夜间等效声级 · Night Leq')!.targets![1]!.query!, day(movedDay), variables.get('wanxiang-noise')!));
    expect(limits.map((s) => s.tags?.zone)).toEqual(['2']);
    for (const [measurement, timeMs] of [['water_daily', movedDay], ['water_monthly', at('2025-03-01')]] as const) {
      const [stored] = await test.platform.influx.query(`SELECT "fields_present" FROM "${measurement}" WHERE "device" = '${section}' AND "river" = 'shenzhen-river' AND time = ${timeMs}ms`);
      expect(stored!.values[0]![1], measurement).toBe('');
    }

    // The API: the review page's day figures and the month report give the day and the month once.
    const view = await get(`/api/v1/review/view?device=${monitor}&from=2025-03-17&to=2025-03-18`);
    expect(((view.dayFigures as { days: Array<{ date: string }> }).days).map((entry) => entry.date)).toEqual(['2025-03-17']);
    const sectionView = await get(`/api/v1/review/view?device=${section}&from=2025-03-17&to=2025-03-18`);
    expect(((sectionView.dayFigures as { days: Array<{ date: string }> }).days).map((entry) => entry.date)).toEqual(['2025-03-17']);
    const report = await get('/api/v1/reports/water-month?period=2025-03&lang=en', tokens.reader);
    const [table] = report.tables as Array<{ rows: Array<{ month: string }> }>;
    expect(table!.rows.filter((row) => row.month === '2025-03')).toHaveLength(1);
  });
});
