import { execFileSync, spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailuresPerMinute } from '../../services/api/auth.ts';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * Red team, HTTP follow-up: every per-address limit counted each IPv6 address alone, and a host
 * holds a whole /64 (2^64 addresses). Here two addresses of one /64 (`a1`, `a2`) and one of the
 * neighbouring /64 (`b`) are put on the loopback interface, and every door is asked from them.
 */
const a1 = '2001:db8:64:1::a';
const a2 = '2001:db8:64:1:ffff::b';
const b = '2001:db8:64:2::a';
const added = [a1, a2, b];

/** Why these tests cannot run here, or null: they add addresses to `lo`, which needs root and iproute2. */
function cannotRun(): string | null {
  if (process.getuid?.() !== 0) return 'not root: adding test addresses to the loopback interface needs root';
  try {
    execFileSync('ip', ['-6', 'addr', 'show', 'dev', 'lo'], { stdio: 'ignore' });
  } catch {
    return 'no working `ip` command (iproute2) to add test addresses to the loopback interface';
  }
  return null;
}
const skipReason = cannotRun();
if (skipReason !== null) console.warn(`ipv6-prefix-limits skipped: ${skipReason}`);

/**
 * Set in the network namespace this file runs itself in: an address added to the machine's own
 * `lo` changes its network under every other test running beside it (Chromium's pages failed with
 * net::ERR_NETWORK_CHANGED), so the file runs again, alone, in a namespace of its own (`unshare --net`,
 * its own loopback and its own influxd from the global setup), and adds its addresses there.
 */
const ownNetwork = process.env.WX_TEST_OWN_NETWORK === '1';

describe.skipIf(skipReason !== null || ownNetwork)('red team: IPv6 /64 limits, in a network namespace of their own', () => {
  it('runs this file in its own network namespace, where its addresses change nobody else’s network', () => {
    const run = spawnSync('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && exec node_modules/.bin/vitest run tests/redteam/ipv6-prefix-limits.test.ts'], {
      env: { ...process.env, WX_TEST_OWN_NETWORK: '1', NO_COLOR: '1', FORCE_COLOR: '0' }, encoding: 'utf8', timeout: 280_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    // The inner run's own tests ran (not all skipped, as they are where root or `ip` is missing).
    expect(run.stdout).toMatch(/Tests\s+\d+ passed/);
  }, 300_000);
});

const reader = 'reader-token-0123456789abcdef';
const port = (url: string) => Number(new URL(url).port);

/** One HTTP/1.1 request from `from` to the API on ::1; resolves with the status and body once the head is in (`keep`: the socket stays open). */
function request(httpPort: number, from: string, target: string, headers: Record<string, string> = {}, keep = false): Promise<{ status: number; body: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '::1', port: httpPort, localAddress: from }, () => {
      const lines = Object.entries({ host: `[::1]:${httpPort}`, connection: keep ? 'keep-alive' : 'close', ...headers }).map(([key, value]) => `${key}: ${value}`);
      socket.write(`GET ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    });
    let text = '';
    const settle = () => {
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) resolve({ status: Number(text.split(' ')[1]), body: text.slice(end + 4), socket });
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (keep) settle();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      settle();
      reject(new Error(`closed without an answer: ${JSON.stringify(text.slice(0, 80))}`));
    });
  });
}

/** A TCP connection from `from`, open; `closed` settles when the server closes it. */
async function tcp(targetPort: number, from: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host: '::1', port: targetPort, localAddress: from }).on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, closed };
}

/** A wrong MQTT login from `from`: `refused` once the broker has answered it (a refusing CONNACK), `closed` when it closed the connection unanswered. */
function wrongLogin(mqttPort: number, from: string, id: string): Promise<'refused' | 'closed'> {
  const client = new mqtt.MqttClient(() => connect({ host: '::1', port: mqttPort, localAddress: from }), { clientId: id, username: id, password: 'wrong-secret', reconnectPeriod: 0, connectTimeout: 20_000 });
  return new Promise((resolve) => {
    const done = (outcome: 'refused' | 'closed') => {
      client.end(true);
      resolve(outcome);
    };
    client.once('error', (error: Error & { code?: unknown }) => done(typeof error.code === 'number' ? 'refused' : 'closed'));
    client.once('close', () => done('closed'));
  });
}

describe.skipIf(skipReason !== null || !ownNetwork)('red team: two addresses of one IPv6 /64 share every per-address limit', () => {
  let test: TestPlatform;
  let httpPort: number;
  let mqttPort: number;
  let hj212Port: number;
  const open: Socket[] = [];

  beforeAll(async () => {
    for (const address of added) execFileSync('ip', ['-6', 'addr', 'add', `${address}/128`, 'dev', 'lo', 'nodad']);
    test = await startTestPlatform({
      http: { host: '::1', connectionsPerAddress: 4, streamsPerAddress: 2, wrongTokenDelayMs: 20, tokens: [{ role: 'reader', token: reader }] },
      mqtt: { host: '::1', connectionsPerAddress: 2, loginFailuresPerAddress: 2, loginFailureDelayMs: 1 },
      hj212: { host: '::1', port: 0, connectionsPerAddress: 2 },
    });
    httpPort = port(test.endpoints.httpUrl);
    mqttPort = Number(/:(\d+)$/.exec(test.endpoints.mqttUrl)![1]);
    hj212Port = Number(/:(\d+)$/.exec(test.endpoints.hj212Url!)![1]);
  }, 120_000);
  afterAll(async () => {
    for (const socket of open) socket.destroy();
    await test?.close();
    for (const address of added) {
      try {
        execFileSync('ip', ['-6', 'addr', 'del', `${address}/128`, 'dev', 'lo'], { stdio: 'ignore' });
      } catch {
        // Not added (beforeAll failed before it): nothing to remove.
      }
    }
  });

  it('HTTP connections: four held from one address refuse a fifth from its /64 neighbour, not from the next /64 or loopback', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => tcp(httpPort, a1)));
    open.push(...held.map((connection) => connection.socket));
    const neighbour = await request(httpPort, a2, '/api/v1/live');
    expect(neighbour.status).toBe(429);
    expect(neighbour.body).toContain('WX_ERR_TOO_MANY_CONNECTIONS');
    expect((await request(httpPort, b, '/api/v1/live')).status).toBe(200);
    expect((await request(httpPort, '::1', '/api/v1/live')).status).toBe(200);
    for (const connection of held) connection.socket.destroy();
    await expect.poll(async () => (await request(httpPort, a2, '/api/v1/live')).status, { timeout: 10_000 }).toBe(200);
  });

  it('wrong tokens: the /64 is throttled together, the next /64 is not, and a right token is still taken', async () => {
    const wrong = (n: number) => ({ authorization: `Bearer wrong-token-${n}-00000000000` });
    for (let n = 0; n < apiFailuresPerMinute; n += 1) expect((await request(httpPort, a1, '/api/v1/session', wrong(n))).status).toBe(401);
    const neighbour = await request(httpPort, a2, '/api/v1/session', wrong(99));
    expect(neighbour.status).toBe(429);
    expect(neighbour.body).toContain('WX_ERR_LOGIN_THROTTLED');
    expect((await request(httpPort, b, '/api/v1/session', wrong(100))).status).toBe(401);
    expect((await request(httpPort, a2, '/api/v1/session', { authorization: `Bearer ${reader}` })).status).toBe(200);
  });

  it('anonymous event streams: two from one address leave none for its /64 neighbour; the next /64 gets one', async () => {
    const streams = [await request(httpPort, a1, '/api/v1/stream', {}, true), await request(httpPort, a1, '/api/v1/stream', {}, true)];
    open.push(...streams.map((stream) => stream.socket));
    expect(streams.map((stream) => stream.status)).toEqual([200, 200]);
    const neighbour = await request(httpPort, a2, '/api/v1/stream', {}, true);
    open.push(neighbour.socket);
    expect(neighbour.status).toBe(429);
    const next = await request(httpPort, b, '/api/v1/stream', {}, true);
    open.push(next.socket);
    expect(next.status).toBe(200);
    for (const stream of [...streams, neighbour, next]) stream.socket.destroy();
  });

  it('MQTT logins: failures from one address hold its /64 neighbour\'s next one; the next /64 is not held', async () => {
    const delayed = () => test.metric('wanxiang_mqtt_logins_delayed_total');
    const before = await delayed();
    expect(await wrongLogin(mqttPort, a1, 'nobody-one')).toBe('refused');
    expect(await wrongLogin(mqttPort, a1, 'nobody-two')).toBe('refused');
    expect(await delayed()).toBe(before);
    expect(await wrongLogin(mqttPort, b, 'nobody-three')).toBe('refused');
    expect(await delayed()).toBe(before);
    expect(await wrongLogin(mqttPort, a2, 'nobody-four')).toBe('refused');
    expect(await delayed()).toBe(before + 1);
  });

  it('MQTT connections: two held from one address close a third from its /64 neighbour; the next /64 is let in', async () => {
    const refusedBefore = await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_TOO_MANY_CONNECTIONS' });
    const held = [await tcp(mqttPort, a1), await tcp(mqttPort, a1)];
    open.push(...held.map((connection) => connection.socket));
    const neighbour = await tcp(mqttPort, a2);
    open.push(neighbour.socket);
    await neighbour.closed;
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_TOO_MANY_CONNECTIONS' })).toBe(refusedBefore + 1);
    // The next /64 is answered (a refused login gets its CONNACK), and counts no refusal.
    expect(await wrongLogin(mqttPort, b, 'nobody-next-prefix')).toBe('refused');
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_TOO_MANY_CONNECTIONS' })).toBe(refusedBefore + 1);
    for (const connection of held) connection.socket.destroy();
    await Promise.all(held.map((connection) => connection.closed));
  }, 30_000);

  it('HJ 212 logins: unknown MNs from one address hold its /64 neighbour\'s next one; the next /64 is not held', async () => {
    const delayed = () => test.metric('wanxiang_hj212_logins_delayed_total');
    const unknown = () => test.metric('wanxiang_hj212_packets_total', { result: 'unknown_mn' });
    const before = { delayed: await delayed(), unknown: await unknown() };
    const frame = (mn: string) => encodeFrame(`QN=20260101000000000;ST=23;CN=2011;PW=123456;MN=${mn};Flag=5;CP=&&DataTime=20260101000000;LA-Rtd=50.1&&`);
    const guesser = await tcp(hj212Port, a1);
    guesser.socket.write(frame('NOSUCHMN00001'));
    guesser.socket.write(frame('NOSUCHMN00002'));
    await expect.poll(unknown, { timeout: 10_000 }).toBe(before.unknown + 2);
    const next = await tcp(hj212Port, b);
    next.socket.write(frame('NOSUCHMN00003'));
    await expect.poll(unknown, { timeout: 10_000 }).toBe(before.unknown + 3);
    expect(await delayed()).toBe(before.delayed);
    const neighbour = await tcp(hj212Port, a2);
    neighbour.socket.write(frame('NOSUCHMN00004'));
    await expect.poll(unknown, { timeout: 10_000 }).toBe(before.unknown + 4);
    expect(await delayed()).toBe(before.delayed + 1);
    for (const connection of [guesser, next, neighbour]) connection.socket.destroy();
    await expect.poll(() => test.metric('wanxiang_hj212_connections'), { timeout: 10_000 }).toBe(0);
  }, 30_000);

  it('HJ 212 connections: two held from one address close a third from its /64 neighbour; the next /64 is let in', async () => {
    const perAddress = () => test.metric('wanxiang_hj212_connections_closed_total', { reason: 'per_address' });
    const before = await perAddress();
    const held = [await tcp(hj212Port, a1), await tcp(hj212Port, a1)];
    open.push(...held.map((connection) => connection.socket));
    const neighbour = await tcp(hj212Port, a2);
    open.push(neighbour.socket);
    await neighbour.closed;
    expect(await perAddress()).toBe(before + 1);
    const next = await tcp(hj212Port, b);
    open.push(next.socket);
    await expect.poll(() => test.metric('wanxiang_hj212_connections'), { timeout: 5_000 }).toBe(3);
    expect(await perAddress()).toBe(before + 1);
  }, 30_000);
});
