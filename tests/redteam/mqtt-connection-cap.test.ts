import { connect as connectTcp, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** A TCP connection to the broker that never sends CONNECT; `closed` settles when the broker closes it. */
function idleConnection(port: number): { socket: Socket; closed: Promise<void> } {
  const socket = connectTcp(port, '127.0.0.1').on('error', () => undefined);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}

const settled = (promise: Promise<unknown>, ms: number) => Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), ms))]);

describe('MQTT: a cap on connections in all, where waiting connections give way to devices (loopback is exempt from the per-address cap only)', () => {
  let test: TestPlatform;
  let port: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    test = await startTestPlatform({ mqtt: { maxConnections: 4 } });
    port = Number(new URL(test.endpoints.mqttUrl).port);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await test?.close();
  });

  it('evicts the oldest connection not logged in for a newcomer, never a device that logged in, and refuses when all slots are devices', async () => {
    const dongmen = await test.connect(test.device('air-dongmen'));
    const first = idleConnection(port);
    sockets.push(first.socket);
    await new Promise((resolve) => first.socket.once('connect', resolve));
    const second = idleConnection(port);
    sockets.push(second.socket);
    await new Promise((resolve) => second.socket.once('connect', resolve));
    const third = idleConnection(port);
    sockets.push(third.socket);
    await new Promise((resolve) => third.socket.once('connect', resolve));
    // Four held: a fifth idle one takes the oldest idle one's slot.
    const fourth = idleConnection(port);
    sockets.push(fourth.socket);
    expect(await settled(first.closed, 5_000)).toBe(true);
    // Devices logging in take the slots of the remaining idle connections.
    const nanhu = await test.connect(test.device('air-nanhu'));
    expect(await settled(second.closed, 5_000)).toBe(true);
    const sungang = await test.connect(test.device('air-sungang'));
    expect(await settled(third.closed, 5_000)).toBe(true);
    // dongmen, nanhu, sungang and the fourth idle connection: the next idle one evicts the fourth.
    const fifth = idleConnection(port);
    sockets.push(fifth.socket);
    expect(await settled(fourth.closed, 5_000)).toBe(true);
    const liyuan = await test.connect(test.device('grid-liyuan'));
    expect(await settled(fifth.closed, 5_000)).toBe(true);
    // Every slot is a device's now: a newcomer is refused, and no device was closed for it.
    const refused = idleConnection(port);
    sockets.push(refused.socket);
    expect(await settled(refused.closed, 5_000)).toBe(true);
    for (const client of [dongmen, nanhu, sungang, liyuan]) expect(client.connected).toBe(true);
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_TOO_MANY_CONNECTIONS' })).toBe(6); // five evicted, one refused
    for (const client of [dongmen, nanhu, sungang, liyuan]) await client.endAsync();
  }, 60_000);

  it('counts the WebSocket port\'s connections before their upgrade, and closes one that never asks for it', async () => {
    const wsPort = Number(new URL(test.endpoints.wsUrl!).port);
    const before = await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_TOO_MANY_CONNECTIONS' });
    const held = [idleConnection(wsPort), idleConnection(wsPort), idleConnection(wsPort), idleConnection(wsPort)];
    sockets.push(...held.map((connection) => connection.socket));
    for (const connection of held) await new Promise((resolve) => connection.socket.once('connect', resolve));
    // The cap (4) holds here too: a fifth takes the oldest one's slot.
    const fifth = idleConnection(wsPort);
    sockets.push(fifth.socket);
    expect(await settled(held[0]!.closed, 5_000)).toBe(true);
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_TOO_MANY_CONNECTIONS' })).toBe(before + 1);
    // None asks for an upgrade: each is closed at the upgrade deadline (10 s), not held for good.
    expect(await settled(Promise.all([...held.slice(1).map((connection) => connection.closed), fifth.closed]), 20_000)).toBe(true);
  }, 60_000);
});
