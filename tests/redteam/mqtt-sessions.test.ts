import { connect as connectTcp } from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** The CONNACK return code of a login (0 accepted), or the error's message when the connection failed first. */
function login(url: string, username: string, password: string, clientId: string, clean = true): Promise<{ code: number | string; client: mqtt.MqttClient }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { clientId, username, password, clean, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4 });
    client.on('connect', () => resolve({ code: 0, client }));
    client.on('error', (error) => { client.end(true); resolve({ code: (error as { code?: number }).code ?? error.message, client }); });
  });
}

describe('MQTT: what one device\'s secret may hold (red team 4: 3 sessions of 1,000 QoS 2 messages without PUBREL held 354 MiB)', () => {
  let test: TestPlatform;
  const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);

  beforeAll(async () => {
    test = await startTestPlatform({ mqtt: { sessionsPerDevice: 2, maxInflightQos2: 4, noticesQueuedWhileAway: 2 } });
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

  // Red team 11: a persistent session's QoS 1 messages are queued in the broker's memory while it is
  // away. An observer's queued every telemetry message of the district (20 such sessions: +840 MiB
  // in 30 s, never freed), and one device's secret made any number of `<id>-<suffix>` ones.
  it('keeps a persistent session (clean session 0) only for a device\'s own client id: not an observer\'s, not a tool\'s', async () => {
    const refusedBefore = await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_CLIENT_ID_REFUSED' });
    const observer = await login(test.endpoints.mqttUrl, 'observer', secret('observer'), 'observer-dashboard', false);
    const observerOwn = await login(test.endpoints.mqttUrl, 'observer', secret('observer'), 'observer', false);
    const tool = await login(test.endpoints.mqttUrl, 'air-huangbei', secret('air-huangbei'), 'air-huangbei-keep', false);
    expect([observer.code, observerOwn.code, tool.code]).toEqual([2, 2, 2]);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_CLIENT_ID_REFUSED' })).toBe(refusedBefore + 3);

    // The device's own client id keeps its session, and what was sent to it meanwhile waits for it.
    const id = 'air-huangbei';
    const device = await login(test.endpoints.mqttUrl, id, secret(id), id, false);
    expect(device.code).toBe(0);
    await device.client.subscribeAsync(test.topics.build('air', id, 'errors'), { qos: 1 });
    await device.client.endAsync();
    // Clean sessions are taken as before, an observer's and a tool's alike; the tool's refused reading is told on the device's errors topic.
    const cleanObserver = await login(test.endpoints.mqttUrl, 'observer', secret('observer'), 'observer-dashboard');
    const cleanTool = await login(test.endpoints.mqttUrl, id, secret(id), `${id}-tool`);
    expect([cleanObserver.code, cleanTool.code]).toEqual([0, 0]);
    await cleanTool.client.publishAsync(test.topics.build('air', id, 'telemetry'), JSON.stringify({ pm25: 'high' }), { qos: 1 });
    const back = mqtt.connect(test.endpoints.mqttUrl, { clientId: id, username: id, password: secret(id), clean: false, reconnectPeriod: 0, protocolVersion: 4 });
    const queued = await new Promise<string>((resolve) => back.on('message', (_topic, payload) => resolve(payload.toString())));
    expect(JSON.parse(queued)).toMatchObject({ code: 'WX_ERR_WRONG_TYPE' });
    back.end(true);
    for (const { client } of [observer, observerOwn, tool, cleanObserver, cleanTool]) client.end(true);
  });

  // A tool with the device's secret keeps making refusal notices, one a second, for the device's
  // own persistent session while it is away: each was queued in memory, without end.
  it('queues at most mqtt.noticesQueuedWhileAway notices for an away device; later ones still reach the connected tool, counted', async () => {
    const id = 'air-liantang';
    const errors = test.topics.build('air', id, 'errors');
    const device = await login(test.endpoints.mqttUrl, id, secret(id), id, false);
    await device.client.subscribeAsync(errors, { qos: 1 });
    await device.client.endAsync();
    const tool = await login(test.endpoints.mqttUrl, id, secret(id), `${id}-tool`);
    const heard: string[] = [];
    tool.client.on('message', (_topic, payload) => heard.push(payload.toString()));
    await tool.client.subscribeAsync(errors, { qos: 1 });
    const notQueuedBefore = await test.metric('wanxiang_refusal_notices_not_queued_total');
    // Notices are one a second per device: four refusals 1.1 s apart make four notices.
    for (let n = 0; n < 4; n += 1) {
      if (n > 0) await new Promise((resolve) => setTimeout(resolve, 1_100));
      await tool.client.publishAsync(test.topics.build('air', id, 'telemetry'), JSON.stringify({ pm25: `bad-${n}` }), { qos: 1 });
    }
    await vi.waitFor(() => expect(heard).toHaveLength(4), { timeout: 10_000 });
    expect(await test.metric('wanxiang_refusal_notices_not_queued_total')).toBe(notQueuedBefore + 2);
    tool.client.end(true);
    const back = mqtt.connect(test.endpoints.mqttUrl, { clientId: id, username: id, password: secret(id), clean: false, reconnectPeriod: 0, protocolVersion: 4 });
    const queued: string[] = [];
    back.on('message', (_topic, payload) => queued.push(payload.toString()));
    await new Promise((resolve) => back.on('connect', resolve));
    await vi.waitFor(() => expect(queued).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(queued.map((notice) => (JSON.parse(notice) as { message: string }).message)).toEqual([expect.stringContaining('bad-0'), expect.stringContaining('bad-1')]);
    back.end(true);
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

/**
 * Each filter of a SUBSCRIBE is judged on its own and was logged on its own: five packets of
 * 10,000 filters wrote 50,000 warn lines (8 MB) in 2 s, a log (and disk) filled by one login (red team 11).
 */
describe('MQTT: refused subscriptions are counted each, logged within a budget', () => {
  let test: TestPlatform;
  const logLines: string[] = [];

  beforeAll(async () => {
    test = await startTestPlatform({ logLevel: 'warn' }, { logLines });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('says at most 20 lines a minute of one login\'s refused filters, counts every one, and still grants its own', async () => {
    const id = 'air-dongmen';
    const client = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: `${id}-subs`, username: id, password: simulatedDeviceSecret(test.config.fleetKey, id), reconnectPeriod: 0 });
    try {
      const filters = Array.from({ length: 2_000 }, (_, i) => `elsewhere/${i}`);
      const granted = await client.subscribeAsync(filters, { qos: 0 }).catch((error: { packet?: { granted?: number[] } }) => error.packet?.granted?.map((qos) => ({ qos })) ?? []);
      expect(granted.map((grant) => grant.qos)).toEqual(filters.map(() => 128));
      expect(await test.metric('wanxiang_subscriptions_refused_total', { code: 'WX_ERR_SUBSCRIBE_NOT_ALLOWED' })).toBe(2_000);
      expect(logLines.filter((line) => line.includes('"subscription refused"')).length).toBeLessThanOrEqual(20);
      const own = await client.subscribeAsync(test.topics.build('air', id, 'errors'), { qos: 1 });
      expect(own.map((grant) => grant.qos)).toEqual([1]);
    } finally {
      await client.endAsync(true);
    }
  });

  it('says at most 20 lines a minute of one address\'s refused logins, and counts every one', async () => {
    const before = await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_CLIENT_ID_REFUSED' });
    const id = 'air-donghu';
    for (let n = 0; n < 60; n += 1) {
      // A client id not the login's: refused before any secret is checked (CONNACK 2).
      await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: `someone-else-${n}`, username: id, password: 'x', reconnectPeriod: 0 }).then((c) => c.endAsync(true), () => undefined);
    }
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_CLIENT_ID_REFUSED' })).toBe(before + 60);
    expect(logLines.filter((line) => line.includes('"MQTT login refused"')).length).toBeLessThanOrEqual(20);
  });
});
