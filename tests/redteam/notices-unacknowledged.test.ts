import { connect as connectTcp } from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * Red team 13: mqtt.noticesQueuedWhileAway (red team 12) counted notices only while the device's
 * own client id was away. Connected with a persistent session that reads its notices and never
 * acknowledges one (PUBACK), the device was "connected", so every notice went at QoS 1, and aedes
 * keeps each unacknowledged QoS 1 message of a persistent session in memory until its PUBACK:
 * a tool with the device's secret made one a second, held without end as before.
 */
describe('red team: refusal notices a device\'s persistent session holds unacknowledged', () => {
  let test: TestPlatform;
  const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);

  beforeAll(async () => {
    test = await startTestPlatform({ mqtt: { noticesQueuedWhileAway: 2 } });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('holds at most mqtt.noticesQueuedWhileAway notices for a session that is connected but never acknowledges them', async () => {
    const id = 'air-cuizhu';
    const errors = test.topics.build('air', id, 'errors');
    // The device's own client id, persistent, connected: it reads every packet and answers none.
    const socket = connectTcp(Number(new URL(test.endpoints.mqttUrl).port), '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const packets: mqttPacket.Packet[] = [];
    parser.on('packet', (packet) => packets.push(packet));
    socket.on('data', (data) => parser.parse(data));
    socket.on('error', () => undefined);
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: false, clientId: id, keepalive: 60, username: id, password: Buffer.from(secret(id)) }));
    await vi.waitFor(() => expect(packets).toMatchObject([{ cmd: 'connack', returnCode: 0 }]));
    socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: errors, qos: 1 }] }));
    await vi.waitFor(() => expect(packets.some((packet) => packet.cmd === 'suback')).toBe(true));

    // A tool with the secret makes five notices (one a second per device).
    const tool = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: `${id}-tool`, username: id, password: secret(id), reconnectPeriod: 0 });
    for (let n = 0; n < 5; n += 1) {
      if (n > 0) await new Promise((resolve) => setTimeout(resolve, 1_100));
      await tool.publishAsync(test.topics.build('air', id, 'telemetry'), JSON.stringify({ pm25: `bad-${n}` }), { qos: 1 });
    }
    const notices = () => packets.filter((packet): packet is mqttPacket.IPublishPacket => packet.cmd === 'publish');
    await vi.waitFor(() => expect(notices()).toHaveLength(5), { timeout: 10_000 });
    // Those the broker keeps for the session until acknowledged went at QoS 1; the rest at QoS 0.
    expect(notices().filter((notice) => notice.qos === 1)).toHaveLength(2);
    await tool.endAsync();
    socket.destroy();

    // What the session held comes again when it is back: the two, not five.
    const back = mqtt.connect(test.endpoints.mqttUrl, { clientId: id, username: id, password: secret(id), clean: false, reconnectPeriod: 0, protocolVersion: 4 });
    const again: string[] = [];
    back.on('message', (_topic, payload) => again.push(payload.toString()));
    await new Promise((resolve) => back.on('connect', resolve));
    await vi.waitFor(() => expect(again.length).toBeGreaterThanOrEqual(2));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(again.map((notice) => (JSON.parse(notice) as { message: string }).message)).toEqual([expect.stringContaining('bad-0'), expect.stringContaining('bad-1')]);
    await back.endAsync();
  });
});
