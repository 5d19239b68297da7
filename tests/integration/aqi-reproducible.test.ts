import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyAqi, hourlyAqi } from '../../services/standards/index.ts';
import { backfill } from '../../simulators/backfill.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// Issue 22 item 5: every AQI /api/v1/aqi prints is recomputed from the concentrations it prints, by the
// HJ 633 version in force for the date; across the 2026-03-01 change of version.
const from = Date.parse('2026-02-27T00:00:00+08:00');
const dayMs = 86_400_000;

type Point = Record<string, number | null | string | boolean | string[]>;

describe('/api/v1/aqi: every printed AQI from the printed figures', () => {
  let test: TestPlatform;
  const get = async (query: string) => ((await (await fetch(`${test.endpoints.httpUrl}/api/v1/aqi?${query}`)).json()) as { points: Point[] }).points;

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 10 * 365 * dayMs }, rollups: { enabled: false } });
    const stations = test.platform.registry.devices.filter((device) => device.family === 'air');
    await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices: stations, fromMs: from - dayMs, toMs: from + 4 * dayMs, seed: 22 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(from - dayMs, from + 4 * dayMs);
  }, 240_000);
  afterAll(async () => {
    await test?.close();
  });

  it('daily: the district and a station, 2012 and 2026 days', async () => {
    const station = test.platform.registry.devices.find((device) => device.family === 'air')!.id;
    for (const who of ['district', station]) {
      const points = await get(`station=${who}&from=2026-02-27&to=2026-03-03`);
      expect(points).toHaveLength(4);
      for (const point of points) {
        const day = String(point.time);
        const input = { so2: point.so2, no2: point.no2, co: point.co, pm10: point.pm10, pm25: point.pm25, o3_8h: point.o3_8h, o3_1h: point.o3_1h_max } as Record<string, number | null>;
        expect(point.o3_1h_max, day).not.toBeNull();
        expect(dailyAqi(input, { day }).aqi, `${who} ${day}`).toBe(point.aqi);
      }
      expect(points.map((point) => point.standard)).toEqual(['HJ 633-2012', 'HJ 633-2012', 'HJ 633-2026', 'HJ 633-2026']);
    }
  });

  it('hourly: o3_8h and the PM 24-h moving means are printed, and the real-time AQI follows from them', async () => {
    const station = test.platform.registry.devices.find((device) => device.family === 'air')!.id;
    const points = await get(`station=${station}&from=2026-02-28T12:00&to=2026-03-01T12:00&resolution=hour`);
    expect(points).toHaveLength(24);
    for (const point of points) {
      expect(point.o3_8h, String(point.time)).not.toBeNull();
      const v2012 = point.standard === 'HJ 633-2012';
      if (v2012) expect(point.pm25_24h).not.toBeNull();
      const input = { so2: point.so2, no2: point.no2, co: point.co, o3: point.o3, o3_8h: point.o3_8h, ...(v2012 ? { pm10_24h: point.pm10_24h, pm25_24h: point.pm25_24h } : { pm10: point.pm10, pm25: point.pm25 }) } as Record<string, number | null>;
      expect(hourlyAqi(input, { hourEnding: String(point.time) }).aqi, String(point.time)).toBe(point.aqi);
    }
  });
});
