import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../services/compliance/compliance.ts';
import { allPanels, readCommittedDashboards } from '../helpers/grafana-dashboards.ts';
import { expandQuery, type Selection } from '../helpers/grafana-macros.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// A review mark of a raw field takes out the fields the family derived from it at the door: the
// officer who marks a transformer's active power out for a window (a CT that read double) takes its
// load rate out too, so those quarters are no longer heavy-load time in the rollups and the plan's
// "no heavily loaded transformers" target; marking a lot's occupied spaces takes its occupancy out of
// the hours and the day's peak. The load rate and the occupancy were left counted, computed from the
// very values the officer had declared invalid. A mark of the derived field alone keeps the raw.
const day = Date.parse('2025-03-10T00:00:00+08:00');
const dayMs = 86_400_000;
const quarterMs = 15 * 60_000;
const tokens = { officer: 'officer-token-0123456789abcdef' };
const t1 = 'grid-buxin-t1'; // P and Q metered: its active power is marked out 09:00-13:00
const t2 = 'grid-buxin-t2'; // P only, never marked: still heavy
const lotA = 'parking-people-hospital'; // its occupied spaces marked out 08:00-18:00
const lotB = 'parking-tcm-hospital'; // its occupancy alone marked out 00:00-07:00
type Mark = { id: string; fields: string[]; derivedFields: string[] };
type DayFigures = { days: Array<{ date: string; reviewed: Record<string, number | null>; unreviewed: Record<string, number | null> | null }> };

describe('a review mark of a raw field takes the fields derived from it', () => {
  let test: TestPlatform;
  const api = async <T>(path: string, body?: unknown) => {
    const response = await fetch(`${test.endpoints.httpUrl}${path}`, {
      headers: { authorization: `Bearer ${tokens.officer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const compliance = async () => (await api<ComplianceReport>('/api/v1/compliance?period=2025-03')).body.targets;
  const heavy = async () => {
    const details = (await compliance()).find((t) => t.id === 'no-heavily-loaded-transformers')!.details as { heavyTransformers: string[]; heavyLoadHours: number };
    return { transformers: details.heavyTransformers, hours: details.heavyLoadHours };
  };
  const shareable = async () => ((await compliance()).find((t) => t.id === 'off-peak-shared-parking')!.details as { spacesByLotKind: Record<string, number> }).spacesByLotKind;
  const dayFigures = async (device: string) => {
    const { body } = await api<{ dayFigures: DayFigures; marks: Mark[] }>(`/api/v1/review/view?device=${device}&from=2025-03-10&to=2025-03-11`);
    const figures = body.dayFigures.days.find((entry) => entry.date === '2025-03-10')!;
    return { reviewed: figures.reviewed, unreviewed: figures.unreviewed, marks: body.marks };
  };
  /** The sum of a Grafana panel's first query over the day, per device, as Grafana sends it with every variable at All. */
  const panelSums = async (uid: string, title: string) => {
    const dashboard = [...(await readCommittedDashboards()).values()].find((candidate) => candidate.uid === uid)!;
    const found = allPanels(dashboard.panels).find((candidate) => candidate.title === title);
    expect(found, `${uid}: ${title}`).toBeDefined();
    const range = { fromMs: day, toMs: day + dayMs - 1 };
    const values: Record<string, { selection: Selection; allValues: string[] }> = {};
    for (const variable of dashboard.templating.list) {
      const series = await test.platform.influx.query(expandQuery(variable.query, range, values));
      values[variable.name] = { selection: '$__all', allValues: series.flatMap((s) => s.values.map((row) => String(row[1]))) };
    }
    const out: Record<string, number> = {};
    for (const s of await test.platform.influx.query(expandQuery(found!.targets![0]!.query!, range, values))) {
      for (const row of s.values) if (typeof row[1] === 'number') out[s.tags?.device ?? ''] = (out[s.tags?.device ?? ''] ?? 0) + row[1];
    }
    return out;
  };
  const publish = async (id: string, readings: unknown[]) => {
    const device = test.device(id);
    const client = await test.connect(device);
    await client.publishAsync(test.topics.build(device.family, id, 'telemetry'), JSON.stringify(readings), { qos: 1 });
  };

  beforeAll(async () => {
    test = await startTestPlatform({
      ingest: { maxAgeMs: 10 * 365 * dayMs },
      rollups: { enabled: true, intervalMs: 300 },
      http: { tokens: [{ role: 'officer', token: tokens.officer }] },
    });
    const quarters = Array.from({ length: 96 }, (_, i) => ({ ts: day + i * quarterMs, hour: i / 4 }));
    const heavyAt = (hour: number) => hour >= 9 && hour < 13;
    // t1: S = √(P² + Q²) at 50 % of its rating, 90 % from 09:00 to 13:00 (16 quarters: one sustained heavy-load event, 4 h).
    const rated1 = Number(test.device(t1).attributes.ratedKva);
    await publish(t1, quarters.map(({ ts, hour }) => (heavyAt(hour) ? { ts, activePower: rated1 * 0.72, reactivePower: rated1 * 0.54 } : { ts, activePower: rated1 * 0.4, reactivePower: rated1 * 0.3 })));
    const rated2 = Number(test.device(t2).attributes.ratedKva);
    await publish(t2, quarters.map(({ ts, hour }) => ({ ts, activePower: rated2 * (heavyAt(hour) ? 0.9 : 0.5) })));
    // Both lots 90 % full from 08:00 to 18:00 (busy: ≥ 85 %), 20 % otherwise.
    for (const lot of [lotA, lotB]) {
      const capacity = Number(test.device(lot).attributes.capacity);
      await publish(lot, quarters.map(({ ts, hour }) => ({ ts, totalSpaces: capacity, occupiedSpaces: Math.round(capacity * (hour >= 8 && hour < 18 ? 0.9 : 0.2)) })));
    }
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(day, day + dayMs);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('no longer counts a transformer\'s heavy-load quarters once its active power there is marked out', async () => {
    expect(await heavy()).toEqual({ transformers: [t1, t2], hours: 8 });
    expect(await panelSums('wanxiang-grid', '重载小时 · Hours at heavy load per day')).toEqual({ [t1]: 4, [t2]: 4 });
    const mark = await api<Mark>('/api/v1/review/marks', { device: t1, from: '2025-03-10T09:00', to: '2025-03-10T13:00', fields: ['active_kw'], reason: 'fault', comment: 'CT read double' });
    expect(mark.status).toBe(201);
    // The record keeps what the officer sent; the answer names the derived field it also takes out.
    expect(mark.body).toMatchObject({ fields: ['active_kw'], derivedFields: ['load_rate_pct'] });
    await expect.poll(heavy, { timeout: 30_000, interval: 250 }).toEqual({ transformers: [t2], hours: 4 });
    // Grafana's panels, which keep a rollup row for a field only when its fields_present lists it, agree.
    expect(await panelSums('wanxiang-grid', '重载小时 · Hours at heavy load per day')).toEqual({ [t1]: 0, [t2]: 4 });
    expect(await panelSums('wanxiang-compliance', '重载配变数量 · Distribution transformers with sustained heavy load')).toEqual({ '': 1 });
    const t1Day = await dayFigures(t1);
    expect(t1Day.reviewed).toMatchObject({ heavy_hours: 0, max_load_pct: expect.closeTo(50, 6), points: 80 });
    expect(t1Day.unreviewed).toMatchObject({ heavy_hours: 4, max_load_pct: expect.closeTo(90, 6), points: 96 });
    expect(t1Day.marks.map((m) => [m.fields, m.derivedFields])).toEqual([[['active_kw'], ['load_rate_pct']]]);
    // The 15-minute load rates of the window are listed by none of their points (what the API and Grafana read).
    const quarters = await test.platform.influx.query(`SELECT "fields_present" FROM "grid_load_15min" WHERE "device" = '${t1}' AND time >= ${day + 9 * 3_600_000}ms AND time < ${day + 13 * 3_600_000}ms`);
    expect(quarters.flatMap((s) => s.values.map((row) => row[1]))).toEqual(Array.from({ length: 16 }, () => ''));
    const listed = await api<{ marks: Mark[] }>(`/api/v1/review/marks?device=${t1}`);
    expect(listed.body.marks.map((m) => m.derivedFields)).toEqual([['load_rate_pct']]);
  }, 60_000);

  it('takes a lot\'s occupancy out with its occupied spaces, and keeps the counts when only the occupancy is marked', async () => {
    const lotsBefore = await shareable();
    expect((await dayFigures(lotA)).reviewed).toMatchObject({ peak_occupancy_pct: expect.closeTo(90, 0), busy_hours: 10 });
    const counts = await api<Mark>('/api/v1/review/marks', { device: lotA, from: '2025-03-10T08:00', to: '2025-03-10T18:00', fields: ['occupied_spaces'], reason: 'fault', comment: 'loop detector miscounting' });
    expect(counts.status).toBe(201);
    expect(counts.body).toMatchObject({ fields: ['occupied_spaces'], derivedFields: ['occupancy_pct'] });
    // The occupancy alone: the counts it comes from stay valid (and with them the spaces the lot can share at night).
    const occupancy = await api<Mark>('/api/v1/review/marks', { device: lotB, from: '2025-03-10T00:00', to: '2025-03-10T07:00', fields: ['occupancy_pct'], reason: 'fault', comment: 'display sign fault' });
    expect(occupancy.status).toBe(201);
    expect(occupancy.body).toMatchObject({ fields: ['occupancy_pct'], derivedFields: [] });

    await expect.poll(async () => (await dayFigures(lotA)).reviewed.busy_hours, { timeout: 30_000, interval: 250 }).toBe(0);
    const a = await dayFigures(lotA);
    expect(a.reviewed).toMatchObject({ peak_occupancy_pct: expect.closeTo(20, 0), mean_occupancy_pct: expect.closeTo(20, 0) });
    expect(a.unreviewed).toMatchObject({ peak_occupancy_pct: expect.closeTo(90, 0), busy_hours: 10 });
    // Both lots are one window: a run that read the marks between the two writes the unreviewed copies of
    // both with lotA's mark alone, so lotB's copy is no sign its own mark was applied; its night hours are.
    const night = async () => (await test.platform.influx.query(`SELECT "fields_present" FROM "parking_hourly" WHERE "device" = '${lotB}' AND time >= ${day}ms AND time < ${day + 7 * 3_600_000}ms`))
      .flatMap((s) => s.values.map((row) => String(row[1]).split(',').includes('occupancy_pct')));
    // lotB's night hours 00-07 have no occupancy but keep their counts; its busy day is untouched.
    await expect.poll(night, { timeout: 30_000, interval: 250 }).toEqual(Array.from({ length: 7 }, () => false));
    const b = await dayFigures(lotB);
    expect(b.unreviewed).not.toBeNull();
    expect(b.reviewed).toMatchObject({ peak_occupancy_pct: expect.closeTo(90, 0), busy_hours: 10 });
    // The night's shareable spaces come from the counts: unchanged for both lots (lotA's mark lies in the day).
    expect(await shareable()).toEqual(lotsBefore);
    expect(lotsBefore.hospital).toBeGreaterThan(0);
  }, 90_000);
});
