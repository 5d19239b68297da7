import { connect as connectTcp } from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** The CONNACK return code of a login (0 accepted), or the error's message when the connection failed first. */
function login(url: string, username: string, password: string, clientId: string): Promise<{ code: number | string; client: mqtt.MqttClient }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { clientId, username, password, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4 });
    client.on('connect', () => resolve({ code: 0, client }));
    client.on('error', (error) => { client.end(true); resolve({ code: (error as { code?: number }).code ?? error.message, client }); });
  });
}

describe('MQTT: what one device\'s secret may hold (red team 4: 3 sessions of 1,000 QoS 2 messages without PUBREL held 354 MiB)', () => {
  let test: TestPlatform;
  const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);

  beforeAll(async () => {
    test = await startTestPlatform({ mqtt: { sessionsPerDevice: 2, maxInflightQos2: 4 } });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('refuses a device a session past its bound (CONNACK 3), but a takeover of its own client id is not one more', async () => {
    const id = 'air-dongmen';
    const first = await login(test.endpoints.mqttUrl, id, secret(id), `${id}-a`);
    const second = await login(test.endpoints.mqttUrl, id, secret(id), `${id}-b`);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect((await login(test.endpoints.mqttUrl, id, secret(id), `${id}-c`)).code).toBe(3);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_TOO_MANY_SESSIONS' })).toBe(1);
    // The same client id as a live session: it replaces that session.
    const again = await login(test.endpoints.mqttUrl, id, secret(id), `${id}-b`);
    expect(again.code).toBe(0);
    // Another device is not held to this one's sessions.
    const other = await login(test.endpoints.mqttUrl, 'air-nanhu', secret('air-nanhu'), 'air-nanhu');
    expect(other.code).toBe(0);
    for (const { client } of [first, second, again, other]) client.end(true);
  });

  it('closes a session holding more QoS 2 messages awaiting PUBREL than maxInflightQos2', async () => {
    const id = 'air-sungang';
    const socket = connectTcp(Number(new URL(test.endpoints.mqttUrl).port), '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const packets: mqttPacket.Packet[] = [];
    parser.on('packet', (packet) => packets.push(packet));
    socket.on('data', (data) => parser.parse(data));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: id, keepalive: 30, username: id, password: Buffer.from(secret(id)) }));
    await vi.waitFor(() => expect(packets).toMatchObject([{ cmd: 'connack', returnCode: 0 }]));
    const topic = test.topics.build('air', id, 'telemetry');
    // PUBLISH QoS 2 with fresh ids, never a PUBREL: the fifth is past the bound of 4.
    for (let messageId = 1; messageId <= 8; messageId += 1) {
      socket.write(mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify({ pm25: messageId })), qos: 2, messageId, retain: false, dup: false }));
    }
    await closed;
    expect(packets.filter((packet) => packet.cmd === 'pubrec').length).toBeLessThanOrEqual(4);
  });
});
