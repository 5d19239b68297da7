import { connect as connectTcp, type Socket } from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * The broker's publish front (services/broker/publish-front.ts): a device's own telemetry is
 * taken off the connection before aedes. Raw TCP, so that packets arrive pipelined with the
 * CONNECT, split at any byte, and mixed with packets only aedes answers (refused topics,
 * retained, QoS 2), as a real device's stack may send them.
 */
const device = 'air-dongmen';
const other = 'air-nanhu';

function bytesOf(packet: object): Buffer {
  return mqttPacket.generate(packet as mqttPacket.Packet);
}

/** What came back on a raw connection: each packet parsed, in order. */
function readPackets(socket: Socket): mqttPacket.Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (packet) => packets.push(packet));
  socket.on('data', (chunk) => parser.parse(chunk));
  return packets;
}

async function rawConnection(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connectTcp(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Writes `bytes` in pieces cut at `cuts`, a turn of the event loop between pieces. */
async function writeInPieces(socket: Socket, bytes: Buffer, cuts: number[]): Promise<void> {
  let from = 0;
  for (const cut of [...cuts.filter((at) => at > 0 && at < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (cut <= from) continue;
    socket.write(bytes.subarray(from, cut));
    from = cut;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the publish front: a device’s telemetry taken before aedes, every guarantee kept', () => {
  let test: TestPlatform;
  /** The order messages reached ingest (the real accept is still called). */
  const accepted: string[] = [];
  const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);
  const topicOf = (id: string) => test.topics.build('air', id, 'telemetry');
  const reading = (ts: number, pm25: number) => Buffer.from(JSON.stringify({ ts, pm25 }));
  const connectPacket = (keepalive = 60) => bytesOf({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: device, keepalive, username: device, password: Buffer.from(secret(device)) });
  const publish = (messageId: number, payload: Buffer, extra: Record<string, unknown> = {}) => bytesOf({ cmd: 'publish', topic: topicOf(device), payload, qos: 1, messageId, retain: false, dup: false, ...extra });

  beforeAll(async () => {
    test = await startTestPlatform();
    const ingest = test.platform.ingest;
    const accept = ingest.accept.bind(ingest);
    ingest.accept = (message) => {
      if (message.topic === topicOf(device)) accepted.push(message.payload.toString());
      return accept(message);
    };
  });
  afterAll(async () => {
    await test?.close();
  });

  it('takes PUBLISHes pipelined behind the CONNECT and split at every byte: each acknowledged once, landed, in the order sent', async () => {
    const base = Date.now() - 3_600_000;
    const payloads = Array.from({ length: 40 }, (_, i) => reading(base + i * 1_000, i));
    const socket = await rawConnection(test.endpoints.mqttUrl);
    const answers = readPackets(socket);
    const bytes = Buffer.concat([connectPacket(), ...payloads.slice(0, 20).map((payload, i) => publish(i + 1, payload))]);
    socket.write(bytes);
    await vi.waitFor(() => expect(answers.filter((packet) => packet.cmd === 'puback')).toHaveLength(20), { timeout: 10_000 });
    // The next twenty one byte at a time.
    const rest = Buffer.concat(payloads.slice(20).map((payload, i) => publish(i + 21, payload)));
    await writeInPieces(socket, rest, Array.from({ length: rest.length }, (_, i) => i));
    await vi.waitFor(() => expect(answers.filter((packet) => packet.cmd === 'puback')).toHaveLength(40), { timeout: 10_000 });
    expect(answers.filter((packet) => packet.cmd === 'puback').map((packet) => (packet as mqttPacket.IPubackPacket).messageId)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(accepted.splice(0)).toEqual(payloads.map(String));
    socket.end();
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = '${device}' AND time >= ${base}ms AND time < ${base + 40_000}ms`)).toBe(40);
  }, 30_000);

  it('keeps the order across packets only aedes answers (a refused topic, retained, QoS 2), at any cut, and counts each refusal once', async () => {
    const base = Date.now() - 7_200_000;
    for (let round = 0; round < 6; round += 1) {
      const refusedBefore = await test.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' });
      const socket = await rawConnection(test.endpoints.mqttUrl);
      const answers = readPackets(socket);
      socket.write(connectPacket());
      await vi.waitFor(() => expect(answers.some((packet) => packet.cmd === 'connack')).toBe(true), { timeout: 10_000 });
      const sent: string[] = [];
      const packets: Buffer[] = [];
      let id = 0;
      for (let i = 0; i < 30; i += 1) {
        const payload = reading(base + (round * 30 + i) * 1_000, i);
        const kind = (i * 7 + round) % 5;
        id += 1;
        if (kind === 1) {
          // Another device's topic: refused by the door (acknowledged, not stored).
          packets.push(bytesOf({ cmd: 'publish', topic: topicOf(other), payload, qos: 1, messageId: id, retain: false, dup: false }));
          continue;
        }
        sent.push(payload.toString());
        if (kind === 2) packets.push(publish(id, payload, { qos: 2 }));
        else if (kind === 3) packets.push(publish(id, payload, { qos: 0, messageId: undefined }));
        else if (kind === 4) packets.push(publish(id, payload, { retain: true }));
        else packets.push(publish(id, payload));
      }
      const bytes = Buffer.concat(packets);
      const cuts = Array.from({ length: 12 }, (_, i) => (i * 7919 + round * 104_729) % bytes.length);
      await writeInPieces(socket, bytes, cuts);
      // QoS 2: PUBREL for each PUBREC, so the flows complete.
      const released = new Set<number>();
      await vi.waitFor(() => {
        for (const packet of answers) {
          if (packet.cmd !== 'pubrec' || released.has(packet.messageId!)) continue;
          released.add(packet.messageId!);
          socket.write(bytesOf({ cmd: 'pubrel', messageId: packet.messageId }));
        }
        expect(accepted.length).toBe(sent.length);
      }, { timeout: 10_000 });
      expect(accepted.splice(0)).toEqual(sent);
      expect(await test.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' }) - refusedBefore).toBe(packets.length - sent.length);
      socket.end();
    }
  }, 60_000);

  it('a device that only publishes keeps its session past 1.5 × its keep-alive (the front refreshes aedes’s timer)', async () => {
    const socket = await rawConnection(test.endpoints.mqttUrl);
    const answers = readPackets(socket);
    let closed = false;
    socket.on('close', () => { closed = true; });
    socket.write(connectPacket(1));
    await vi.waitFor(() => expect(answers.some((packet) => packet.cmd === 'connack')).toBe(true), { timeout: 10_000 });
    const base = Date.now() - 10_800_000;
    for (let i = 0; i < 12; i += 1) {
      socket.write(publish(i + 1, reading(base + i * 1_000, i)));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(closed).toBe(false);
    expect(answers.filter((packet) => packet.cmd === 'puback')).toHaveLength(12);
    accepted.splice(0);
    // Silent past 1.5 s: aedes's keep-alive closes it, as before.
    await vi.waitFor(() => expect(closed).toBe(true), { timeout: 5_000 });
  }, 30_000);

  it('an observer subscribed to the device’s telemetry still receives what the front took', async () => {
    const observer = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: 'observer-front', username: 'observer', password: secret('observer'), reconnectPeriod: 0 });
    const seen: string[] = [];
    observer.on('message', (_topic, payload) => seen.push(payload.toString()));
    await observer.subscribeAsync(topicOf(device), { qos: 1 });
    const client = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: device, username: device, password: secret(device), reconnectPeriod: 0, protocolVersion: 4 });
    const base = Date.now() - 14_400_000;
    const payloads = Array.from({ length: 5 }, (_, i) => reading(base + i * 1_000, i).toString());
    for (const payload of payloads) await client.publishAsync(topicOf(device), payload, { qos: 1 });
    // After the retained message the earlier test left, if any: the five, in order.
    await vi.waitFor(() => expect(seen.slice(-payloads.length)).toEqual(payloads), { timeout: 10_000 });
    accepted.splice(0);
    await client.endAsync();
    await observer.endAsync();
  }, 30_000);

  it('an MQTT 3.1 device (MQIsdp) is taken by the front too, and lands the same', async () => {
    const client = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: device, username: device, password: secret(device), reconnectPeriod: 0, protocolVersion: 3, protocolId: 'MQIsdp' });
    const base = Date.now() - 18_000_000;
    for (let i = 0; i < 5; i += 1) await client.publishAsync(topicOf(device), reading(base + i * 1_000, i).toString(), { qos: 1 });
    expect(accepted.splice(0)).toHaveLength(5);
    await client.endAsync();
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = '${device}' AND time >= ${base}ms AND time < ${base + 5_000}ms`)).toBe(5);
  }, 30_000);
});
