import { spawn } from 'node:child_process';
import { once } from 'node:events';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** The SUBACK's return codes as sent; mqtt.js's own answer hides them once one is 0x80. */
function subscribeCodes(client: mqtt.MqttClient, filters: string[]): Promise<number[]> {
  return new Promise((resolve) => {
    client.once('packetreceive', (packet) => {
      if (packet.cmd === 'suback') resolve(packet.granted as number[]);
    });
    client.subscribe(filters, () => undefined);
  });
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the broker: who may publish and subscribe, presence, foreign clients', () => {
  let test: TestPlatform;
  const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);

  beforeAll(async () => {
    test = await startTestPlatform();
  });
  afterAll(async () => {
    await test?.close();
  });

  it("lands a reading published by Debian's mosquitto_pub (a foreign client)", async () => {
    const device = test.device('noise-buxin-road-1');
    const ts = Date.now() - 5_000;
    const child = spawn('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', new URL(test.endpoints.mqttUrl).port, '-V', 'mqttv311', '-q', '1',
      '-i', device.id, '-u', device.id, '-P', secret(device.id),
      '-t', test.topics.build('noise', device.id, 'telemetry'),
      '-m', JSON.stringify({ ts, leq: 71.2, lmax: 88.4, l10: 73.5, l50: 69.1, l90: 64 }),
    ]);
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    await test.platform.ingest.drain();
    const series = await test.platform.influx.query(`SELECT "leq_dba", "road", "zone" FROM "noise" WHERE "device" = '${device.id}'`);
    expect(series[0]!.values).toEqual([[ts, 71.2, 'buxin-road', '4a']]);
  });

  it("refuses a login whose Last Will names another device's status or any other topic (red team 7: a cluster publishes stored wills with no client)", async () => {
    const device = test.device('noise-buxin-road-1');
    const other = test.device('air-nanhu');
    const port = new URL(test.endpoints.mqttUrl).port;
    const connect = (willTopic: string) => mqtt.connectAsync(test.endpoints.mqttUrl, {
      clientId: device.id, username: device.id, password: secret(device.id), reconnectPeriod: 0,
      will: { topic: willTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    const refusedBefore = await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' });
    for (const topic of [test.topics.build('air', other.id, 'status'), test.topics.alarms(), test.topics.build('noise', device.id, 'telemetry'), test.topics.build('air', device.id, 'status')]) {
      await expect(connect(topic), topic).rejects.toThrow(/Not authorized/i);
    }
    // Debian's mosquitto_pub, a foreign client, is refused the same way (CONNACK 5).
    const child = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv311', '-i', device.id, '-u', device.id, '-P', secret(device.id), '--will-topic', test.topics.build('air', other.id, 'status'), '--will-payload', 'offline', '-t', test.topics.build('noise', device.id, 'status'), '-m', 'online']);
    let said = '';
    child.stderr.on('data', (chunk: Buffer) => { said += chunk.toString(); });
    const [code] = await once(child, 'exit');
    expect(code).not.toBe(0);
    expect(said).toMatch(/not authori[sz]ed/i);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' })).toBe(refusedBefore + 5);
    // Its own status topic: let in, as every device client does.
    const own = await connect(test.topics.build('noise', device.id, 'status'));
    await own.endAsync();
  });

  it('lets an observer subscribe to telemetry read-only, and refuses its publishes', async () => {
    const observer = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: 'observer-read-only', username: 'observer', password: secret('observer'), reconnectPeriod: 0 });
    expect(await subscribeCodes(observer, [test.topics.filterAll('telemetry'), 'luohu/v1/+/+/cmd', '#'])).toEqual([0, 128, 128]);
    const received = new Promise<string>((resolve) => observer.on('message', (topic) => resolve(topic)));
    const station = await test.connect(test.device('air-nanhu'));
    const topic = test.topics.build('air', 'air-nanhu', 'telemetry');
    await station.publishAsync(topic, JSON.stringify({ pm25: 15 }), { qos: 1 });
    expect(await received).toBe(topic);

    await observer.publishAsync(topic, JSON.stringify({ pm25: 500 }), { qos: 1 });
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = 'air-nanhu'`)).toBe(1);
    expect(await test.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' })).toBe(1);
    await observer.endAsync();
  });

  it('lets a device subscribe to its own command topic only', async () => {
    const device = test.device('parking-mixc');
    const client = await test.connect(device);
    const own = test.topics.build('parking', device.id, 'cmd');
    expect(await subscribeCodes(client, [own, test.topics.build('parking', 'parking-diwang', 'cmd'), test.topics.filterAll('telemetry')])).toEqual([0, 128, 128]);
    expect(await test.metric('wanxiang_subscriptions_refused_total')).toBe(4);
  });

  it('marks a device offline through its Last Will when its connection dies', async () => {
    const device = test.device('water-buji-river-mouth');
    const client = await test.connect(device);
    await waitFor(() => test.platform.ingest.presence.isOnline(device.id), 'online');
    client.stream.destroy();
    await waitFor(() => !test.platform.ingest.presence.isOnline(device.id), 'the Last Will');
    await test.platform.ingest.drain();
    const series = await test.platform.influx.query(`SELECT "online" FROM "device_status" WHERE "device" = '${device.id}'`);
    expect(series[0]!.values.map((row) => row[1])).toEqual([1, 0]);
  });

  it('takes telemetry over MQTT on WebSocket', async () => {
    const device = test.device('grid-hubei-t2');
    const client = await mqtt.connectAsync(test.endpoints.wsUrl!, { clientId: device.id, username: device.id, password: secret(device.id), reconnectPeriod: 0 });
    await client.publishAsync(test.topics.build('grid', device.id, 'telemetry'), JSON.stringify({ activePower: 500, reactivePower: 120 }), { qos: 1 });
    await test.platform.ingest.drain();
    expect(await test.countPoints('grid_load', `"device" = '${device.id}'`)).toBe(1);
    await client.endAsync();
  });
});
