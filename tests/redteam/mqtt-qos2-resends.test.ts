import { connect as connectTcp } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** A device on a raw socket: every packet it is sent, in order. */
async function rawDevice(test: TestPlatform, id: string, clean = true) {
  const socket = connectTcp(Number(new URL(test.endpoints.mqttUrl).port), '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (packet) => packets.push(packet));
  socket.on('data', (data) => parser.parse(data));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const password = Buffer.from(simulatedDeviceSecret(test.config.fleetKey, id));
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean, clientId: id, keepalive: 30, username: id, password }));
  await vi.waitFor(() => expect(packets).toMatchObject([{ cmd: 'connack', returnCode: 0 }]));
  const count = (cmd: string) => packets.filter((packet) => packet.cmd === cmd).length;
  const publish = (messageId: number, payload: string, dup = false) =>
    mqttPacket.generate({ cmd: 'publish', topic: test.topics.build('air', id, 'telemetry'), payload: Buffer.from(payload), qos: 2, messageId, retain: false, dup });
  return { socket, packets, closed, count, publish };
}

const reading = (pm25: number) => JSON.stringify({ ts: new Date(Date.now() - pm25 * 1_000).toISOString(), pm25 });

// [MQTT-4.3.3-2]: until its PUBREL, a QoS 2 message with the same packet id is the same message.
// aedes recognised the resend only after authorizePublish had spooled it: stored and counted twice.
describe('MQTT QoS 2: a resent message is kept once (red team)', () => {
  let test: TestPlatform;
  const received = () => test.metric('wanxiang_readings_received_total', { family: 'air' });
  const written = () => test.metric('wanxiang_readings_written_total', { family: 'air' });

  beforeAll(async () => {
    test = await startTestPlatform();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('answers a DUP copy before the PUBREL with PUBREC and neither stores nor counts it again; a released id is a new message', async () => {
    const device = await rawDevice(test, 'air-sungang');
    const [receivedBefore, writtenBefore, resendsBefore] = [await received(), await written(), await test.metric('wanxiang_mqtt_qos2_resends_total')];
    device.socket.write(device.publish(7, reading(1)));
    await vi.waitFor(() => expect(device.count('pubrec')).toBe(1));
    device.socket.write(device.publish(7, reading(1), true));
    await vi.waitFor(() => expect(device.count('pubrec')).toBe(2));
    // Two copies in one read: the second came before aedes had stored the first.
    device.socket.write(Buffer.concat([device.publish(8, reading(2)), device.publish(8, reading(2), true)]));
    await vi.waitFor(() => expect(device.count('pubrec')).toBe(4));
    device.socket.write(Buffer.concat([mqttPacket.generate({ cmd: 'pubrel', messageId: 7 }), mqttPacket.generate({ cmd: 'pubrel', messageId: 8 })]));
    await vi.waitFor(() => expect(device.count('pubcomp')).toBe(2));
    // Released: the same id is free for the next message [MQTT-2.3.1-4].
    device.socket.write(device.publish(7, reading(3)));
    await vi.waitFor(() => expect(device.count('pubrec')).toBe(5));
    await vi.waitFor(async () => expect(await written()).toBe(writtenBefore + 3), { timeout: 10_000 });
    expect(await received()).toBe(receivedBefore + 3);
    expect(await test.metric('wanxiang_mqtt_qos2_resends_total')).toBe(resendsBefore + 2);
    device.socket.destroy();
  });

  it('keeps once a message a persistent session resends after its reconnect, before its PUBREL', async () => {
    const id = 'air-dongmen';
    const first = await rawDevice(test, id, false);
    const [receivedBefore, writtenBefore] = [await received(), await written()];
    first.socket.write(first.publish(11, reading(4)));
    await vi.waitFor(() => expect(first.count('pubrec')).toBe(1));
    first.socket.destroy();
    await first.closed;
    const again = await rawDevice(test, id, false);
    again.socket.write(again.publish(11, reading(4), true));
    await vi.waitFor(() => expect(again.count('pubrec')).toBe(1));
    again.socket.write(mqttPacket.generate({ cmd: 'pubrel', messageId: 11 }));
    await vi.waitFor(() => expect(again.count('pubcomp')).toBe(1));
    await vi.waitFor(async () => expect(await written()).toBe(writtenBefore + 1), { timeout: 10_000 });
    expect(await received()).toBe(receivedBefore + 1);
    again.socket.destroy();
  });
});
