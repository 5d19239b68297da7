import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { simulatedStationPw } from '../../services/hj212/simulated-station.ts';
import { connectDevice, disconnectDevice } from '../../simulators/device-client.ts';
import { createFrameSender, retimeFrame } from '../../simulators/replay-frames.ts';
import { parseStationUrl } from '../../simulators/hj212-client.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const beijingNow = (digits: 14 | 17) => new Date(Date.now() + 8 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, digits);

/**
 * Red team 6: a reading was history (no live alarm, no webhook) when its MQTT client id held
 * `-replay-` or `-backfill-`, text any device chooses, and HJ 212 replays were never history. A
 * replay or backfill is now known by the credential it logs in with, derived from the fleet key.
 */
describe('replays and backfills are history by their credential, not their client id', () => {
  let test: TestPlatform;
  beforeAll(async () => {
    test = await startTestPlatform({ hj212: { port: 0 } });
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  const openAlarmsOf = (device: string) => [...test.platform.alarms.list({ state: 'open' })].filter((alarm) => alarm.deviceId === device);
  const latestPm25 = async (device: string) => {
    const live = await (await fetch(`${test.endpoints.httpUrl}/api/v1/live`)).json() as { families: Array<{ devices: Array<{ id: string; values?: Record<string, number> }> }> };
    return live.families.flatMap((family) => family.devices).find((entry) => entry.id === device)?.values?.pm25;
  };

  it('a device naming its client id <id>-replay-… with its own secret still raises its alarm', async () => {
    const id = 'air-guiyuan';
    const client = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: `${id}-replay-zz`, username: id, password: simulatedDeviceSecret(test.config.fleetKey, id), reconnectPeriod: 0 });
    try {
      await client.publishAsync(test.topics.build('air', id, 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
      await expect.poll(() => openAlarmsOf(id).length, { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      await client.endAsync();
    }
  });

  it('wanxiang replay\'s session (the history secret) stores the reading and raises nothing', async () => {
    const device = test.device('air-dongmen');
    const client = await connectDevice(device, { url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, tool: 'replay' }, { reconnectPeriod: 0 });
    try {
      await client.publishAsync(test.topics.build('air', device.id, 'telemetry'), JSON.stringify({ pm25: 251 }), { qos: 1 });
      await expect.poll(() => latestPm25(device.id), { timeout: 10_000 }).toBe(251);
      expect(openAlarmsOf(device.id)).toEqual([]);
    } finally {
      await disconnectDevice(client, device, test.topics);
    }
  });

  it('an HJ 212 replay (the history PW) is answered and stored and raises nothing; the station\'s own PW still raises its alarm', async () => {
    const [replayed, live] = [test.device('air-nanhu'), test.device('air-liantang')];
    const frame = (mn: string, pw: string, pm25: number) => encodeFrame(`QN=${beijingNow(17)};ST=22;CN=2011;PW=${pw};MN=${mn};Flag=5;CP=&&DataTime=${beijingNow(14)};a34004-Rtd=${pm25},a34004-Flag=N&&`);
    const sender = createFrameSender(parseStationUrl(test.endpoints.hj212Url!), test.config.fleetKey);
    try {
      await sender.send(replayed.id, retimeFrame(frame(replayed.hj212!.mn, 'recorded-pw', 252), 0, sender.pwOf(replayed.id)));
      await expect.poll(() => latestPm25(replayed.id), { timeout: 10_000 }).toBe(252);
      expect(openAlarmsOf(replayed.id)).toEqual([]);
      await sender.send(live.id, frame(live.hj212!.mn, simulatedStationPw(test.config.fleetKey, live.id), 253));
      await expect.poll(() => openAlarmsOf(live.id).length, { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      await sender.close();
    }
  });
});
