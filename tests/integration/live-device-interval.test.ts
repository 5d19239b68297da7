import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry } from '../../services/registry/device-registry.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// Issue 22 (the registered report interval): the wall's freshness counts a device's OWN interval,
// its family's only where the registry declares none. Readings go in through the live service's
// own interface (observe) with the time they were received, so their age needs no waiting; the
// answer is read over real HTTP from the platform's /api/v1/live.
const minute = 60_000;

describe('live freshness from the device’s registered report interval', () => {
  let test: TestPlatform;
  let ids: { hourly: string; familyDefault: string; oneMinuteWater: string; fiveSecond: string; fiveMinute: string };

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    const file = structuredClone(test.platform.registry.file);
    const air = file.devices.filter((device) => device.family === 'air');
    const water = file.devices.find((device) => device.family === 'water')!;
    air[0]!.reportIntervalMs = 60 * minute; // an HJ 212 station set to send hourly values
    delete air[1]!.reportIntervalMs;
    water.reportIntervalMs = minute; // a buoy set to 1 min in a family that reports less often
    test.platform.registry.replace(parseRegistry(file));
    // air[2] and air[3] as seeded: registered at 5 minutes, as real stations report.
    ids = { hourly: air[0]!.id, familyDefault: air[1]!.id, oneMinuteWater: water.id, fiveSecond: air[2]!.id, fiveMinute: air[3]!.id };
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  const liveDevices = async () => {
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/live`);
    const body = (await response.json()) as { families: Array<{ family: string; reportIntervalMs: number; devices: Array<{ id: string; freshness: string; reportIntervalMs: number; gapMs: number | null; judgedIntervalMs: number }> }> };
    return { families: body.families, devices: new Map(body.families.flatMap((family) => family.devices.map((device) => [device.id, device]))) };
  };

  it('keeps an hourly station fresh 5 minutes after its reading while a family-default one is silent, and makes a 1-min water buoy late after 2.5 min', async () => {
    const now = Date.now();
    const air = { pm25: 30, pm10: 50, o3: 60, no2: 20, so2: 5, co: 0.5 };
    test.platform.live.observe({ family: 'air', deviceId: ids.hourly, timeMs: now - 5 * minute, receivedAtMs: now - 5 * minute, values: air });
    test.platform.live.observe({ family: 'air', deviceId: ids.familyDefault, timeMs: now - 5 * minute, receivedAtMs: now - 5 * minute, values: air });
    test.platform.live.observe({ family: 'water', deviceId: ids.oneMinuteWater, timeMs: now - 150_000, receivedAtMs: now - 150_000, values: { ph: 7.2, do: 7, nh3n: 0.3, tp: 0.05, codmn: 4 } });
    const { families, devices } = await liveDevices();
    const airFamily = families.find((family) => family.family === 'air')!;
    expect(airFamily.reportIntervalMs).toBe(minute);
    expect(devices.get(ids.hourly)).toMatchObject({ reportIntervalMs: 60 * minute, freshness: 'fresh' });
    expect(devices.get(ids.familyDefault)).toMatchObject({ reportIntervalMs: airFamily.reportIntervalMs, freshness: 'silent' });
    const waterFamily = families.find((family) => family.family === 'water')!;
    expect(waterFamily.reportIntervalMs).toBeGreaterThan(3 * minute);
    expect(devices.get(ids.oneMinuteWater)).toMatchObject({ reportIntervalMs: minute, freshness: 'late' });
  });

  it('judges a station registered at 5 min that shows 5-s gaps by its family’s minute, says so, and takes no gap from a repeated reading', async () => {
    const now = Date.now();
    const air = { pm25: 30, pm10: 50, o3: 60, no2: 20, so2: 5, co: 0.5 };
    // The demo fleet's cadence: readings 5 s apart, the last 150 s ago (2.5 of its judged minutes).
    for (const ago of [165_000, 160_000, 155_000, 150_000]) test.platform.live.observe({ family: 'air', deviceId: ids.fiveSecond, timeMs: now - ago, receivedAtMs: now - ago, values: air });
    // A real 5-minute station whose last reading came twice (an MQTT QoS 1 redelivery, DUP=1): the
    // same time, 50 ms apart. Its gap stays 5 minutes: 150 s after, it is not late.
    test.platform.live.observe({ family: 'air', deviceId: ids.fiveMinute, timeMs: now - 450_000, receivedAtMs: now - 450_000, values: air });
    test.platform.live.observe({ family: 'air', deviceId: ids.fiveMinute, timeMs: now - 150_000, receivedAtMs: now - 150_000, values: air });
    test.platform.live.observe({ family: 'air', deviceId: ids.fiveMinute, timeMs: now - 150_000, receivedAtMs: now - 149_950, values: air });
    const { devices } = await liveDevices();
    // The registered interval stays the registered one; the judged one and the gap beside it.
    expect(devices.get(ids.fiveSecond)).toMatchObject({ reportIntervalMs: 5 * minute, gapMs: 5_000, judgedIntervalMs: minute, freshness: 'late' });
    expect(devices.get(ids.fiveMinute)).toMatchObject({ reportIntervalMs: 5 * minute, gapMs: 5 * minute, judgedIntervalMs: 5 * minute, freshness: 'fresh' });
    expect(devices.get(ids.hourly)).toMatchObject({ gapMs: null, judgedIntervalMs: 60 * minute });
  });
});
