import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice } from '../../simulators/device-client.ts';
import { liveDevices } from '../helpers/live-devices.ts';
import { closeRestartable, restartPlatform, type Restarted } from '../helpers/platform-restart.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

interface LiveDevice { id: string; time: string; ageMs: number; freshness: string; values: Record<string, number> }

const values = { pm25: 30, pm10: 50, o3: 50, no2: 25, so2: 5, co: 0.6 };

/**
 * Red team 11 (the wall's truth), in /api/v1/live: what a device shows is the latest reading the
 * platform received. One stamped ahead of its receipt (a device clock that jumped; ingest takes up
 * to ingest.maxFutureMs ahead) is as new as its receipt: counted by its stamp, every reading after
 * it was older, so the station kept its value and greyed as silent while it reported. A reading
 * measured before the one shown (a backfill) is stored, never shown. After a restart too: the
 * reading seeded from InfluxDB counts from when it was received (its recv_lag_ms), not its stamp.
 */
describe('/api/v1/live and a device’s clock', () => {
  let test: TestPlatform;
  let restarted: Restarted | undefined;

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
  });
  afterAll(async () => {
    await closeRestartable(test, restarted);
  });

  const liveDevice = async (httpUrl: string, id: string): Promise<LiveDevice> => (await liveDevices<LiveDevice>(httpUrl, 'air')).get(id)!;

  it('readings stamped ahead in one message: the later stamp shows; the next reading stamped now takes its place', async () => {
    const device = test.device('air-huangbei');
    const client = await test.connect(device);
    const topic = test.topics.build('air', device.id, 'telemetry');
    const ahead = Date.now() + 3 * 60_000;
    // Received together, both measured (at the latest) when received: the later stamp is the latest.
    await client.publishAsync(topic, JSON.stringify([{ ts: ahead + 1_000, ...values, pm25: 21.2 }, { ts: ahead, ...values, pm25: 21.1 }]), { qos: 1 });
    // Live takes a reading before its PUBACK: what /live says now includes it.
    expect((await liveDevice(test.endpoints.httpUrl, device.id)).values.pm25).toBe(21.2);
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), ...values, pm25: 22.2 }), { qos: 1 });
    const shown = await liveDevice(test.endpoints.httpUrl, device.id);
    expect(shown.values.pm25).toBe(22.2);
    expect(shown.freshness).toBe('fresh');
    // A QoS 1 repeat of it (the same stamp) still shows; a reading of 10 minutes ago never does.
    await client.publishAsync(topic, JSON.stringify({ ts: Date.parse(shown.time), ...values, pm25: 22.2 }), { qos: 1 });
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now() - 10 * 60_000, ...values, pm25: 88.8 }), { qos: 1 });
    expect((await liveDevice(test.endpoints.httpUrl, device.id)).values.pm25).toBe(22.2);
  });

  it('after a restart, a stored reading stamped ahead is as new as its receipt: the next reading shows, and its age counts from the receipt', async () => {
    const device = test.device('air-dongmen');
    const client = await test.connect(device);
    const topic = test.topics.build('air', device.id, 'telemetry');
    const sentAt = Date.now();
    const ahead = sentAt + 4 * 60_000;
    await client.publishAsync(topic, JSON.stringify({ ts: ahead, ...values, pm25: 33.3 }), { qos: 1 });
    const stored = Date.now() + 20_000;
    // InfluxDB 1.x counts up to now() unless told otherwise: the point is 4 minutes ahead.
    while ((await test.countPoints('air_quality', `"device" = '${device.id}' AND time > now() - 1h AND time < now() + 1h`)) < 1) {
      if (Date.now() > stored) throw new Error('the reading stamped ahead was not stored in 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await client.endAsync();
    restarted = await restartPlatform(test);
    const { endpoints } = restarted;

    // Seeded from InfluxDB: its value, aged from when it was received (not nothing, as by its stamp).
    const seeded = await liveDevice(endpoints.httpUrl, device.id);
    expect(seeded.values.pm25).toBe(33.3);
    expect(Date.parse(seeded.time)).toBe(ahead);
    expect(seeded.ageMs).toBeGreaterThan(0);
    expect(seeded.ageMs).toBeGreaterThanOrEqual(Date.now() - sentAt - 5_000);
    expect(seeded.ageMs).toBeLessThanOrEqual(Date.now() - sentAt + 1_000);

    // Its clock is right again: the reading it sends now shows at once.
    const again = await connectDevice(device, { url: endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics }, { reconnectPeriod: 0 });
    try {
      await again.publishAsync(topic, JSON.stringify({ ts: Date.now(), ...values, pm25: 44.4 }), { qos: 1 });
      const now = await liveDevice(endpoints.httpUrl, device.id);
      expect(now.values.pm25).toBe(44.4);
      expect(Date.parse(now.time)).toBeLessThan(ahead);
      expect(now.ageMs).toBeLessThan(5_000);
    } finally {
      await again.endAsync();
    }
  });
});
