import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { backfill } from '../../simulators/backfill.ts';
import { allPanels, readCommittedDashboards, type DashboardJson } from '../helpers/grafana-dashboards.ts';
import { expandQuery, type Selection, type TimeRange } from '../helpers/grafana-macros.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// Every family's Grafana panels over a device's day an officer marked out whole, beside the API: the
// day leaves the rollups (a tombstone, or a field not listed), so no panel that shows devices may
// still show that device on that day, in any family, and no device left unmarked may vanish.
const dayMs = 86_400_000;
const day = Date.parse('2025-05-06T00:00:00+08:00');
const tokens = { officer: 'officer-token-0123456789abcdef' };
type Variables = Record<string, { selection: Selection; allValues: string[] }>;

describe('Grafana panels of every family agree with the API on a device day marked out', () => {
  let test: TestPlatform;
  let dashboards: DashboardJson[];
  const marked: DeviceRecord[] = [];
  const kept: DeviceRecord[] = [];
  const range: TimeRange = { fromMs: day, toMs: day + dayMs - 1 };

  /** Each panel query that reads a rollup (it names fields_present) and shows devices, expanded as Grafana sends it with every variable at All. */
  async function devicePanels(): Promise<Array<{ title: string; query: string }>> {
    const out: Array<{ title: string; query: string }> = [];
    for (const dashboard of dashboards) {
      const values: Variables = {};
      for (const variable of dashboard.templating.list) {
        const series = await test.platform.influx.query(expandQuery(variable.query, range, values));
        values[variable.name] = { selection: '$__all', allValues: series.flatMap((s) => s.values.map((row) => String(row[1]))) };
      }
      for (const panel of allPanels(dashboard.panels)) {
        for (const target of panel.targets ?? []) {
          if (!target.query?.includes('fields_present') || !/GROUP BY .*"device"|"device"(,| FROM)/.test(target.query)) continue;
          out.push({ title: `${dashboard.uid}: ${panel.title}`, query: expandQuery(target.query, range, values) });
        }
      }
    }
    return out;
  }
  /** The devices a panel shows with a value on the day (a series tag, or a table's device column), with the values. */
  async function shown(query: string): Promise<Map<string, unknown[]>> {
    const devices = new Map<string, unknown[]>();
    for (const series of await test.platform.influx.query(query)) {
      const column = series.columns.indexOf('device');
      for (const row of series.values) {
        const values = row.filter((value, i) => i > 0 && i !== column && value !== null);
        const device = column >= 0 ? row[column] : series.tags?.device;
        if (values.length > 0 && typeof device === 'string') devices.set(device, [...(devices.get(device) ?? []), ...values]);
      }
    }
    return devices;
  }
  /**
   * What a day without data still says, as the API says it too: an air hour or day with no coverage
   * and not valid, a noise day with no points and its zone's limits. No measured value.
   */
  const bookkeeping = /^wanxiang-(air: air_(hourly|daily)\.(coverage_min|valid|valid_hours)|noise: noise_daily\.(day|night)_(points|coverage|complete))$/;
  const limits = /^wanxiang-noise: noise_daily\.(day|night)_limit_dba$/;

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 10 * 365 * dayMs }, rollups: { enabled: false }, http: { tokens: [{ role: 'officer', token: tokens.officer }] } });
    dashboards = [...(await readCommittedDashboards()).values()];
    // Two devices of each family (of each kind of gauge): one to mark out, one to keep.
    const byKind = new Map<string, DeviceRecord[]>();
    for (const device of test.platform.registry.devices) {
      const kind = `${device.family}:${String(device.attributes.gauge ?? '')}`;
      byKind.set(kind, [...(byKind.get(kind) ?? []), device]);
    }
    for (const devices of byKind.values()) {
      if (devices.length < 2) continue;
      marked.push(devices[0]!);
      kept.push(devices[1]!);
    }
    await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices: [...marked, ...kept], fromMs: day, toMs: day + dayMs, seed: 3 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(day, day + dayMs);
  }, 300_000);
  afterAll(async () => {
    await test?.close();
  });

  it('shows the marked devices before the marks, then none of them on that day, and every device kept', async () => {
    const panels = await devicePanels();
    expect(panels.length).toBeGreaterThan(20);
    const before = new Map<string, Map<string, unknown[]>>();
    for (const { title, query } of panels) before.set(title + query, await shown(query));
    const shownBefore = new Set([...before.values()].flatMap((devices) => [...devices.keys()]));
    // Every family with rollups is there (VOC has none: its panels read its raw readings).
    expect([...new Set(marked.filter((device) => shownBefore.has(device.id)).map((device) => device.family))].sort())
      .toEqual(['air', 'ev_charging', 'grid', 'noise', 'parking', 'water', 'waterlogging']);
    expect(marked.filter((device) => !shownBefore.has(device.id)).map((device) => device.family)).toEqual(['voc']);

    for (const device of marked) {
      const response = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, {
        method: 'POST', headers: { authorization: `Bearer ${tokens.officer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ device: device.id, from: '2025-05-06', to: '2025-05-07', reason: 'fault', comment: 'instrument fault all day' }),
      });
      expect(response.status, device.id).toBe(201);
    }
    await test.platform.rollups.runOnce();

    const still: string[] = [];
    const lost: string[] = [];
    for (const { title, query } of panels) {
      const now = await shown(query);
      for (const device of marked) {
        const values = now.get(device.id);
        if (values === undefined || limits.test(title) || (bookkeeping.test(title) && values.every((value) => value === 0))) continue;
        still.push(`${title}: ${device.id} ${JSON.stringify(values.slice(0, 5))}`);
      }
      for (const device of kept) if (before.get(title + query)!.has(device.id) && !now.has(device.id)) lost.push(`${title}: ${device.id}`);
    }
    expect(still).toEqual([]);
    expect(lost).toEqual([]);
  }, 120_000);
});
