import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { saveRegistryFile } from '../../services/registry/registry-file.ts';
import { hashSecret, simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** The CONNACK return code of a login (0 accepted), or the error's message when the connection failed first. */
function login(url: string, username: string, password: string, clientId: string): Promise<number | string> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { clientId, username, password, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4 });
    client.on('connect', () => { client.end(true); resolve(0); });
    client.on('error', (error) => { client.end(true); resolve((error as { code?: number }).code ?? error.message); });
  });
}

/** A raw MQTT connection: the packets the broker sends back, and whether it closed. */
function rawClient(port: number) {
  const socket: Socket = connectTcp(port, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (packet) => packets.push(packet));
  socket.on('data', (data) => parser.parse(data));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  return { socket, packets, closed };
}

/** A PUBLISH (QoS 1, id 7) written by hand, so that its topic can carry bytes no encoder would. */
function publishWithTopicBytes(topic: Buffer, payload: string): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from([0, 7]), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x32, body.length]), body]);
}

describe('the broker’s doors: sessions, client ids, protocol text (issue 18, items 3, 5 and 20)', () => {
  let test: TestPlatform;
  let dir: string;
  const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);
  const port = () => Number(new URL(test.endpoints.mqttUrl).port);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-doors-'));
    await copyFile('seeds/devices.json', join(dir, 'devices.json'));
    test = await startTestPlatform({ registryFile: join(dir, 'devices.json') });
  });
  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function setDisabled(id: string) {
    const file = await loadRegistryFile(join(dir, 'devices.json'));
    return { ...file, devices: file.devices.map((device) => (device.id === id ? { ...device, disabled: true } : device)) };
  }

  it('a disable closes every session of the device, not just the last one', async () => {
    const device = test.device('air-dongmen');
    const options = { username: device.id, password: secret(device.id), reconnectPeriod: 0 };
    const first = await mqtt.connectAsync(test.endpoints.mqttUrl, { ...options, clientId: device.id });
    const second = await mqtt.connectAsync(test.endpoints.mqttUrl, { ...options, clientId: `${device.id}-tool` });
    const closed = [first, second].map((client) => new Promise<void>((resolve) => client.once('close', () => resolve())));
    await saveRegistryFile(join(dir, 'devices.json'), await setDisabled(device.id));
    await Promise.all(closed);
    first.end(true);
    second.end(true);
  });

  it('a device disabled while online is said offline by the platform: its retained status and its last device_status (red team 10)', async () => {
    const device = test.device('water-buji-river-mouth');
    const status = test.topics.build(device.family, device.id, 'status');
    const client = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: device.id, username: device.id, password: secret(device.id), reconnectPeriod: 0, will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true } });
    await client.publishAsync(status, 'online', { qos: 1, retain: true });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await saveRegistryFile(join(dir, 'devices.json'), await setDisabled(device.id));
    await closed;
    client.end(true);
    await vi.waitFor(async () => {
      const series = await test.platform.influx.query(`SELECT LAST("online") FROM "device_status" WHERE "device" = '${device.id}'`);
      expect(series[0]?.values[0]?.[1]).toBe(0);
    }, { timeout: 15_000, interval: 200 });
    const observer = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: 'observer-retained', username: 'observer', password: secret('observer'), reconnectPeriod: 0 });
    const retained = new Promise<string>((resolve) => observer.once('message', (_topic, payload) => resolve(payload.toString())));
    await observer.subscribeAsync(status, { qos: 1 });
    expect(await retained).toBe('offline');
    observer.end(true);
  });

  it('a device disabled a second ago publishes nothing more, even before its sessions are closed', async () => {
    const device = test.device('air-nanhu');
    const telemetry = test.topics.build('air', device.id, 'telemetry');
    const refusedBefore = await test.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_DEVICE_DISABLED' });
    const client = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: device.id, username: device.id, password: secret(device.id), reconnectPeriod: 0 });
    await client.publishAsync(telemetry, JSON.stringify({ pm25: 11 }), { qos: 1 });
    // The registry changes under the session (as a cluster node's does when a change arrives): no enforceRegistry.
    test.platform.registry.replace(await setDisabled(device.id));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(telemetry, JSON.stringify({ pm25: 12 }), { qos: 1 });
    await closed;
    client.end(true);
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality', `"device" = '${device.id}'`)).toBe(1);
    expect(await test.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_DEVICE_DISABLED' })).toBe(refusedBefore + 1);
  });

  it('an observer re-keyed in the registry loses its session at once, and a re-keyed one subscribes to nothing more (red team 10)', async () => {
    const path = join(dir, 'devices.json');
    const original = await loadRegistryFile(path);
    const newHash = await hashSecret('a-new-observer-secret-0123456789', undefined, { N: 1024, r: 8, p: 1 });
    const rekeyed = { ...original, observers: original.observers.map((observer) => (observer.id === 'observer' ? { ...observer, secretHash: newHash } : observer)) };
    try {
      const watcher = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: 'observer', username: 'observer', password: secret('observer'), reconnectPeriod: 0 });
      const closed = new Promise<void>((resolve) => watcher.once('close', () => resolve()));
      await saveRegistryFile(path, rekeyed);
      await closed;
      watcher.end(true);
      await saveRegistryFile(path, original);
      await vi.waitFor(() => expect(test.platform.registry.observer('observer')?.secretHash).toBe(original.observers[0]!.secretHash), { timeout: 10_000 });
      // Changed under a live session without the file (a cluster node's registry): its next SUBSCRIBE closes it.
      const second = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: 'observer', username: 'observer', password: secret('observer'), reconnectPeriod: 0 });
      test.platform.registry.replace(rekeyed);
      const secondClosed = new Promise<void>((resolve) => second.once('close', () => resolve()));
      second.subscribe(test.topics.filterAll('telemetry'), { qos: 1 });
      await secondClosed;
      second.end(true);
    } finally {
      test.platform.registry.replace(original);
      await saveRegistryFile(path, original);
    }
  });

  it('refuses a device logging in with its own secret under another device’s client id (CONNACK 2); the other stays', async () => {
    const victim = await test.connect(test.device('noise-buxin-road-1'));
    let victimClosed = false;
    victim.once('close', () => { victimClosed = true; });
    expect(await login(test.endpoints.mqttUrl, 'parking-mixc', secret('parking-mixc'), 'noise-buxin-road-1')).toBe(2);
    expect(await login(test.endpoints.mqttUrl, 'parking-mixc', secret('parking-mixc'), 'noise-buxin-road-1-x')).toBe(2);
    expect(await login(test.endpoints.mqttUrl, 'parking-mixc', secret('parking-mixc'), 'parking-mixcx')).toBe(2);
    expect(await login(test.endpoints.mqttUrl, 'parking-mixc', secret('parking-mixc'), 'parking-mixc-replay-1')).toBe(0);
    await victim.publishAsync(test.topics.build('noise', 'noise-buxin-road-1', 'telemetry'), JSON.stringify({ leq: 60, lmax: 70, l10: 62, l50: 58, l90: 50 }), { qos: 1 });
    expect(victimClosed).toBe(false);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_CLIENT_ID_REFUSED' })).toBe(3);
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_SESSION_TAKEOVER' })).toBe(0);
  });

  it('refuses a device the client ids of another registered device whose id starts with its own (grid-buxin as grid-buxin-t1)', async () => {
    const victim = await test.connect(test.device('grid-buxin-t1'));
    let victimClosed = false;
    victim.once('close', () => { victimClosed = true; });
    const before = await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_CLIENT_ID_REFUSED' });
    // Both fit grid-buxin's own <id>-<suffix> form, but they are grid-buxin-t1's to use.
    expect(await login(test.endpoints.mqttUrl, 'grid-buxin', secret('grid-buxin'), 'grid-buxin-t1')).toBe(2);
    expect(await login(test.endpoints.mqttUrl, 'grid-buxin', secret('grid-buxin'), 'grid-buxin-t1-tool')).toBe(2);
    expect(await login(test.endpoints.mqttUrl, 'grid-buxin', secret('grid-buxin'), 'grid-buxin-tool')).toBe(0);
    expect(await login(test.endpoints.mqttUrl, 'grid-buxin-t1', secret('grid-buxin-t1'), 'grid-buxin-t1-tool')).toBe(0);
    expect(victimClosed).toBe(false);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_CLIENT_ID_REFUSED' })).toBe(before + 2);
    await victim.endAsync();
  });

  it.each([
    ['U+0000', (id: string) => Buffer.from(`${id}-a\u0000b`)],
    ['ill-formed UTF-8', (id: string) => Buffer.concat([Buffer.from(`${id}-`), Buffer.from([0xc3, 0x28])])],
  ])('refuses a client id holding %s (CONNACK 2) [MQTT-1.5.3-1/2]', async (_what, clientIdBytes) => {
    const id = 'air-sungang';
    const bytes = clientIdBytes(id);
    // Encoded with a placeholder id of the same byte length, then the id's bytes written over it.
    const packet = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'x'.repeat(bytes.length), keepalive: 30, username: id, password: Buffer.from(secret(id)) });
    bytes.copy(packet, packet.indexOf(Buffer.from('x'.repeat(bytes.length))));
    const raw = rawClient(port());
    raw.socket.write(packet);
    await raw.closed;
    expect(raw.packets).toMatchObject([{ cmd: 'connack', returnCode: 2 }]);
  });

  it('refuses an empty client id with a persistent session [MQTT-3.1.3-8], takes it with a clean one', async () => {
    const id = 'grid-hubei';
    const connect = (clean: boolean) => {
      const packet = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: '', keepalive: 30, username: id, password: Buffer.from(secret(id)) });
      // mqtt-packet will not encode this mistake: the clean-session bit (0x02) of the connect flags, cleared by hand.
      if (!clean) packet[9] = packet[9]! & ~0x02;
      return packet;
    };
    const persistent = rawClient(port());
    persistent.socket.write(connect(false));
    await persistent.closed;
    expect(persistent.packets).toMatchObject([{ cmd: 'connack', returnCode: 2 }]);
    const clean = rawClient(port());
    clean.socket.write(connect(true));
    await vi.waitFor(() => expect(clean.packets).toMatchObject([{ cmd: 'connack', returnCode: 0 }]));
    clean.socket.destroy();
  });

  it.each([
    ['U+0000', Buffer.from('luohu/v1/air/air-sungang\u0000/telemetry')],
    ['ill-formed UTF-8', Buffer.concat([Buffer.from('luohu/v1/air/air-sungang'), Buffer.from([0xc3, 0x28]), Buffer.from('/telemetry')])],
  ])('closes the connection of a publish whose topic holds %s [MQTT-1.5.3-1/2], without a PUBACK', async (_what, topic) => {
    const id = 'air-sungang';
    const raw = rawClient(port());
    raw.socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: id, keepalive: 30, username: id, password: Buffer.from(secret(id)) }));
    await vi.waitFor(() => expect(raw.packets).toMatchObject([{ cmd: 'connack', returnCode: 0 }]));
    raw.socket.write(publishWithTopicBytes(topic, '{"pm25":1}'));
    await raw.closed;
    expect(raw.packets.map((packet) => packet.cmd)).toEqual(['connack']);
  });

  it('cuts a CONNECT announcing 255 MiB over WebSocket early, whatever the WebSocket message size (item 4)', async () => {
    const before = await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_PAYLOAD_TOO_LARGE' });
    const socket = new WebSocket(test.endpoints.wsUrl!, 'mqtt');
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    const announced = 255 * 1024 * 1024;
    // CONNECT's fixed header: type 0x10, then the remaining length as a variable byte integer [MQTT-2.2.3].
    const header = [0x10];
    for (let rest = announced; rest > 0; rest = Math.floor(rest / 128)) header.push((rest % 128) | (rest >= 128 ? 0x80 : 0));
    const chunk = Buffer.alloc(300_000, 0x61);
    let sent = 0;
    let first = true;
    while (socket.readyState === WebSocket.OPEN && sent < 32 * 1024 * 1024) {
      const message = first ? Buffer.concat([Buffer.from(header), chunk]) : chunk;
      first = false;
      const accepted = await new Promise<boolean>((resolve) => socket.send(message, (error) => resolve(!error)));
      if (accepted) sent += message.length;
    }
    await closed;
    // Closed at the first packet's header: what got out is what the sockets' buffers held by then.
    expect(sent).toBeLessThan(16 * 1024 * 1024);
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_PAYLOAD_TOO_LARGE' })).toBe(before + 1);
  });

  it('closes a TCP connection whose CONNECT announces more than a few KiB, before any login (item 4)', async () => {
    const before = await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_PAYLOAD_TOO_LARGE' });
    const raw = rawClient(port());
    const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'air-dongmen', keepalive: 30, username: 'air-dongmen', password: Buffer.alloc(100_000, 0x61) });
    raw.socket.write(connect.subarray(0, 1_000));
    await raw.closed;
    expect(raw.packets).toEqual([]);
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_PAYLOAD_TOO_LARGE' })).toBe(before + 1);
  });
});
