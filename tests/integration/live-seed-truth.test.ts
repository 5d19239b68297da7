import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveDevices } from '../helpers/live-devices.ts';
import { closeRestartable, restartPlatform, type Restarted } from '../helpers/platform-restart.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

interface LiveDevice { id: string; time: string; values: Record<string, number>; state: { value: unknown } }

/**
 * The wall's truth after a restart: a device shows its latest reading as it was received, never a
 * mix of fields from different readings. InfluxDB's LAST(*) takes each field's own last value, so a
 * station whose newest reading carried no valid PM2.5 (the analyser flagged D, fault: HJ 212-2017
 * Table 8, stored as pm25_ugm3_invalid and never in pm25_ugm3; or a reading without it) showed an
 * hour-old PM2.5 under the newest reading's time, and an AQI judged from it, once the platform restarted.
 */
describe('/api/v1/live after a restart: the latest reading, whole', () => {
  let test: TestPlatform;
  let restarted: Restarted | undefined;

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
  });
  afterAll(async () => {
    await closeRestartable(test, restarted);
  });

  it('shows no PM2.5 the newest reading did not carry as valid (a reading without it; a value its station flagged invalid)', async () => {
    const partial = test.device('air-huangbei');
    const flagged = test.device('air-dongmen');
    const client = await test.connect(partial);
    const other = await test.connect(flagged);
    const full = { pm10: 60, o3: 50, no2: 25, so2: 5, co: 0.6 };
    const older = Date.now() - 20 * 60_000;
    const newer = Date.now() - 60_000;
    await client.publishAsync(test.topics.build('air', partial.id, 'telemetry'), JSON.stringify({ ts: older, ...full, pm25: 140 }), { qos: 1 });
    await client.publishAsync(test.topics.build('air', partial.id, 'telemetry'), JSON.stringify({ ts: newer, ...full }), { qos: 1 });
    await other.publishAsync(test.topics.build('air', flagged.id, 'telemetry'), JSON.stringify({ ts: older, ...full, pm25: 150 }), { qos: 1 });
    // As the HJ 212 door stores a PM2.5 its station flagged D (services/hj212/station-door.ts recordOf).
    await test.platform.influx.write(`air_quality,device=${flagged.id} pm25_ugm3_invalid=3,pm25_ugm3_flag="D",pm10_ugm3=60,o3_ugm3=50,no2_ugm3=25,so2_ugm3=5,co_mgm3=0.6,recv_lag_ms=0i ${newer}`);
    const deadline = Date.now() + 20_000;
    while ((await test.countPoints('air_quality', `("device" = '${partial.id}' OR "device" = '${flagged.id}') AND time > now() - 1h`)) < 4) {
      if (Date.now() > deadline) throw new Error('the readings were not stored in 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Before the restart the wall shows the newest reading as it came: no PM2.5.
    expect((await liveDevices<LiveDevice>(test.endpoints.httpUrl, 'air')).get(partial.id)!.values.pm25).toBeUndefined();

    restarted = await restartPlatform(test);
    const seeded = await liveDevices<LiveDevice>(restarted.endpoints.httpUrl, 'air');
    for (const id of [partial.id, flagged.id]) {
      const device = seeded.get(id)!;
      expect(Date.parse(device.time), id).toBe(newer);
      // The 20-minute-old 140/150 µg/m³ is not the PM2.5 of the newest reading, nor is the flagged 3.
      expect(device.values.pm25, id).toBeUndefined();
      expect(device.values.pm10, id).toBe(60);
      // HJ 633-2026 §5.3.1: PM2.5 missing and the others' AQI ≤ 100: no AQI is published.
      expect(device.state.value, id).toBeNull();
    }
  });
});
