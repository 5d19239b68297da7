import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../services/compliance/compliance.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// Red team 11: a review mark of a whole day of a transformer (a current transformer that read double)
// must take that day's heavy load out of the plan's target, as a mark takes an air station's day
// out of the PM2.5 mean. The rollup engine never deletes: a day the mark empties is a tombstone
// whose fields_present lists nothing, so every reader of the grid rollups must honour that list
// (an InfluxQL sum() over grid_daily did not, and the transformer stayed counted as heavy).
const day = Date.parse('2025-03-10T00:00:00+08:00');
const quarterMs = 15 * 60_000;
const tokens = { officer: 'officer-token-0123456789abcdef' };

describe('red team: a review mark takes a transformer day out of the heavy-load target', () => {
  let test: TestPlatform;
  const api = async <T>(path: string, body?: unknown) => {
    const response = await fetch(`${test.endpoints.httpUrl}${path}`, body === undefined ? {} : {
      method: 'POST', headers: { authorization: `Bearer ${tokens.officer}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const heavy = async () => {
    const { body } = await api<ComplianceReport>('/api/v1/compliance?period=2025-03');
    const target = body.targets.find((t) => t.id === 'no-heavily-loaded-transformers')!;
    const details = target.details as { heavyTransformers: string[]; heavyLoadHours: number };
    return { transformers: details.heavyTransformers, hours: details.heavyLoadHours };
  };

  beforeAll(async () => {
    test = await startTestPlatform({
      ingest: { maxAgeMs: 10 * 365 * 86_400_000 },
      rollups: { enabled: true, intervalMs: 300 },
      http: { tokens: [{ role: 'officer', token: tokens.officer }] },
    });
    const transformer = test.device('grid-buxin-t1');
    const rated = Number(transformer.attributes.ratedKva);
    // The day every 15 minutes: 50 % load, but 09:00-13:00 at 90 % (16 points: a sustained heavy-load event).
    const readings = Array.from({ length: 96 }, (_, i) => {
      const ts = day + i * quarterMs;
      const hour = i / 4;
      return { ts, activePower: rated * (hour >= 9 && hour < 13 ? 0.9 : 0.5) };
    });
    const client = await test.connect(transformer);
    await client.publishAsync(test.topics.build('grid', transformer.id, 'telemetry'), JSON.stringify(readings), { qos: 1 });
    // A depth gauge every 5 minutes: 40 cm 09:00-13:00 (a gauge fouled by debris, it turns out), else dry.
    const gauge = test.device('waterlogging-shennan-wfc');
    const depths = Array.from({ length: 288 }, (_, i) => ({ ts: day + i * 300_000, depth: i >= 108 && i < 156 ? 40 : 0 }));
    const gaugeClient = await test.connect(gauge);
    await gaugeClient.publishAsync(test.topics.build('waterlogging', gauge.id, 'telemetry'), JSON.stringify(depths), { qos: 1 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(day, day + 86_400_000);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('no longer counts the transformer once its whole day is marked invalid', async () => {
    expect(await heavy()).toEqual({ transformers: ['grid-buxin-t1'], hours: 4 });
    const mark = await api<{ id: string }>('/api/v1/review/marks', { device: 'grid-buxin-t1', from: '2025-03-10', to: '2025-03-11', reason: 'fault', comment: 'CT ratio wrong all day' });
    expect(mark.status).toBe(201);
    // The engine's next run rewrites the day as a tombstone (fields_present empty).
    await expect.poll(async () => {
      const rows = (await test.platform.influx.query(`SELECT "fields_present" FROM "grid_daily" WHERE "device" = 'grid-buxin-t1' AND time = ${day}ms`)).flatMap((s) => s.values);
      return rows[0]?.[1];
    }, { timeout: 30_000, interval: 250 }).toBe('');
    expect(await heavy()).toEqual({ transformers: [], hours: 0 });
  }, 60_000);

  it('no longer counts a depth gauge day once it is marked invalid: not in the day figures, its month or the workbook', async () => {
    const deepest = async () => {
      const { body } = await api<{ figures: Array<{ family: string; field: string; value: number | null; devices: number }> }>('/api/v1/compliance/figures?day=2025-03-10');
      const figure = body.figures.find((f) => f.family === 'waterlogging' && f.field === 'max_depth_cm')!;
      return { value: figure.value, devices: figure.devices };
    };
    const month = async () => (await test.platform.influx.query(`SELECT "max_depth_cm", "fields_present" FROM "waterlogging_monthly" WHERE "device" = 'waterlogging-shennan-wfc'`)).flatMap((s) => s.values.map((row) => ({ max: row[1], present: row[2] })));
    const sheet = async () => {
      const { body } = await api<{ tables: Array<{ id: string; rows: Array<Record<string, unknown>> }> }>('/api/v1/reports/families?period=2025-03&lang=en');
      return body.tables[0]!.rows.find((row) => row.figure === 'Deepest water' && row.scope === 'District') ?? null;
    };
    expect(await deepest()).toEqual({ value: 40, devices: 1 });
    expect((await month()).map((m) => m.max)).toEqual([40]);
    expect((await sheet())?.m3).toBe(40);
    const mark = await api<{ id: string }>('/api/v1/review/marks', { device: 'waterlogging-shennan-wfc', from: '2025-03-10', to: '2025-03-11', reason: 'fault', comment: 'gauge fouled by debris' });
    expect(mark.status).toBe(201);
    await expect.poll(async () => {
      const rows = (await test.platform.influx.query(`SELECT "fields_present" FROM "waterlogging_daily" WHERE "device" = 'waterlogging-shennan-wfc' AND time = ${day}ms`)).flatMap((s) => s.values);
      return rows[0]?.[1];
    }, { timeout: 30_000, interval: 250 }).toBe('');
    await expect.poll(deepest, { timeout: 30_000, interval: 250 }).toEqual({ value: null, devices: 0 });
    await expect.poll(async () => (await month()).map((m) => (typeof m.present === 'string' && !m.present.split(',').includes('max_depth_cm') ? null : m.max)), { timeout: 30_000, interval: 250 }).toEqual([null]);
    expect((await sheet())?.m3 ?? null).toBeNull();
  }, 90_000);
});
