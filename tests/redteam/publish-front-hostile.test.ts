import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { bytesOf, rawMqtt, type RawMqtt } from '../helpers/raw-mqtt.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * Hostile bytes at the publish front (services/broker/publish-front.ts), which reads a logged-in
 * device's packets before aedes: each is refused with its code or closes only its own connection,
 * is counted, and the device's next good message lands.
 */
describe('hostile bytes at the publish front: refused, counted, nothing else lost', () => {
  let test: TestPlatform;
  const device = 'air-liantang';
  const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);
  const topic = () => test.topics.build('air', device, 'telemetry');
  let base = 0;
  let sent = 0;
  const good = (messageId: number) => bytesOf({ cmd: 'publish', topic: topic(), payload: Buffer.from(JSON.stringify({ ts: base + (sent += 1) * 1_000, pm25: 12 })), qos: 1, messageId, retain: false, dup: false });

  /** A logged-in raw connection: its answers, and whether it closed. */
  async function loggedIn(): Promise<RawMqtt> {
    const connection = await rawMqtt(test.endpoints.mqttUrl);
    const { socket, answers } = connection;
    socket.write(bytesOf({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: device, keepalive: 60, username: device, password: Buffer.from(secret(device)) }));
    await vi.waitFor(() => expect(answers.some((packet) => packet.cmd === 'connack')).toBe(true), { timeout: 10_000 });
    return connection;
  }

  /** The device's good message on a new connection is acknowledged and lands: the door still works. */
  async function stillLands(): Promise<void> {
    const before = sent;
    const { socket, answers } = await loggedIn();
    socket.write(good(7));
    await vi.waitFor(() => expect(answers.some((packet) => packet.cmd === 'puback' && packet.messageId === 7)).toBe(true), { timeout: 10_000 });
    socket.destroy();
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = '${device}' AND time = ${base + (before + 1) * 1_000}ms`)).toBe(1);
  }

  beforeAll(async () => {
    test = await startTestPlatform({ mqtt: { maxPayloadBytes: 4_096 } });
    base = Date.now() - 3_600_000;
  });
  afterAll(async () => {
    await test?.close();
  });

  it('a remaining length of five bytes (no MQTT length; read as 256 MiB) closes that connection only, counted', async () => {
    const before = await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_PAYLOAD_TOO_LARGE' });
    const { socket, answers, closed } = await loggedIn();
    const first = sent + 1;
    socket.write(good(1));
    await vi.waitFor(() => expect(answers.some((packet) => packet.cmd === 'puback')).toBe(true), { timeout: 10_000 });
    socket.write(Buffer.concat([Buffer.from([0x32, 0xff, 0xff, 0xff, 0xff, 0x01]), good(2)]));
    await vi.waitFor(() => expect(closed()).toBe(true), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_PAYLOAD_TOO_LARGE' })).toBe(before + 1), { timeout: 5_000 });
    // The message before the bad bytes was kept; none after them.
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = '${device}' AND time = ${base + first * 1_000}ms`)).toBe(1);
    expect(await test.countPoints('air_quality', `"device" = '${device}' AND time = ${base + (first + 1) * 1_000}ms`)).toBe(0);
    await stillLands();
  }, 30_000);

  it('a topic length running past its packet is not taken: never acknowledged or stored', async () => {
    const before = await test.countPoints('air_quality', `"device" = '${device}'`);
    // PUBLISH QoS 1, remaining length 6: a topic length of 200 in 6 bytes.
    for (const hostile of [Buffer.from([0x32, 0x06, 0x00, 0xc8, 0x61, 0x62, 0x00, 0x01])]) {
      const { socket, answers } = await loggedIn();
      socket.write(hostile);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(answers.filter((packet) => packet.cmd === 'puback')).toEqual([]);
      socket.destroy();
    }
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = '${device}'`)).toBe(before);
    await stillLands();
  }, 30_000);

  it('an oversize payload, a payload that is not JSON, NaN and a wrong type are refused with their codes and counted; the good ones around them land', async () => {
    const { socket, answers } = await loggedIn();
    const count = (code: string) => test.metric('wanxiang_readings_rejected_total', { reason: code });
    const before = { large: await count('WX_ERR_PAYLOAD_TOO_LARGE'), json: await count('WX_ERR_MALFORMED_JSON') };
    const publish = (messageId: number, payload: string | Buffer) => bytesOf({ cmd: 'publish', topic: topic(), payload, qos: 1, messageId, retain: false, dup: false });
    const first = sent + 1;
    socket.write(Buffer.concat([
      good(1),
      publish(2, Buffer.alloc(4_200, 0x20)),
      publish(3, '{"ts":'),
      publish(4, `{"ts":${base},"pm25":NaN}`),
      publish(5, `{"ts":${base},"pm25":"high"}`),
      good(6),
    ]));
    await vi.waitFor(() => expect(answers.filter((packet) => packet.cmd === 'puback')).toHaveLength(6), { timeout: 10_000 });
    expect(await count('WX_ERR_PAYLOAD_TOO_LARGE') - before.large).toBe(1);
    expect(await count('WX_ERR_MALFORMED_JSON') - before.json).toBe(2);
    socket.destroy();
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = '${device}' AND time >= ${base + first * 1_000}ms AND time <= ${base + (first + 1) * 1_000}ms`)).toBe(2);
  }, 30_000);

  it('a topic in UTF-8 beyond ASCII, or with a NUL, is the door’s to judge through aedes: refused or closed, counted, never taken', async () => {
    const before = await test.metric('wanxiang_publishes_refused_total');
    for (const hostileTopic of [`${topic()}/测试`, `${topic()}\u0000x`]) {
      const { socket, answers, closed } = await loggedIn();
      socket.write(bytesOf({ cmd: 'publish', topic: hostileTopic, payload: Buffer.from('{"pm25":1}'), qos: 1, messageId: 9, retain: false, dup: false }));
      await vi.waitFor(() => expect(closed() || answers.some((packet) => packet.cmd === 'puback')).toBe(true), { timeout: 10_000 });
      socket.destroy();
    }
    expect(await test.metric('wanxiang_publishes_refused_total') - before).toBe(2);
    await stillLands();
  }, 30_000);
});
