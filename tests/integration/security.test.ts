import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const run = promisify(execFile);
const tokens = { reader: 'reader-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef' };

/** The CONNACK return code of a login (0 accepted), or the error's message when the connection failed first. */
function login(url: string, username: string, password: string, extra: mqtt.IClientOptions = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { clientId: `${username}-${Math.random().toString(16).slice(2, 8)}`, username, password, reconnectPeriod: 0, connectTimeout: 5_000, protocolVersion: 4, ...extra });
    client.on('connect', () => { client.end(true); resolve(0); });
    client.on('error', (error) => { client.end(true); resolve((error as { code?: number }).code ?? error.message); });
  });
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const found = probe();
    if (found !== undefined) return found;
  }
  throw new Error(`nothing after ${timeoutMs} ms`);
}

describe('no one let in: TLS, throttled logins, connection limits, device administration, API roles', () => {
  let test: TestPlatform;
  let dir: string;
  let ca: Buffer;
  const logLines: string[] = [];
  const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);
  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${test.endpoints.httpUrl}${path}`, { ...init, headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-sec-'));
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    ca = await readFile(join(dir, 'cert.pem'));
    await copyFile('seeds/devices.json', join(dir, 'devices.json'));
    test = await startTestPlatform({
      registryFile: join(dir, 'devices.json'),
      mqtt: {
        tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), port: 0, wssPort: 0 },
        loginFailuresPerDevice: 3, loginFailuresPerAddress: 8, loginFailureDelayMs: 300, connectionsPerAddress: 40, connectionLimitExempt: [], keepaliveLimitS: 120,
      },
      http: { tokens: (Object.entries(tokens) as Array<['reader' | 'operator' | 'admin', string]>).map(([role, token]) => ({ role, token })) },
    }, { logLines });
  });
  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes MQTT over TLS and WebSocket over TLS with the right CA, and fails without it', async () => {
    expect(await login(test.endpoints.mqttsUrl!, 'air-dongmen', secret('air-dongmen'), { ca })).toBe(0);
    expect(await login(test.endpoints.wssUrl!, 'air-dongmen', secret('air-dongmen'), { ca })).toBe(0);
    expect(String(await login(test.endpoints.mqttsUrl!, 'air-dongmen', secret('air-dongmen')))).toMatch(/self.signed|certificate/i);
  });

  it('slows brute-force logins per address and device, but never refuses the right secret (issue 18, item 6)', async () => {
    for (let i = 0; i < 4; i += 1) expect(await login(test.endpoints.mqttUrl, 'air-nanhu', `guess-${i}`)).toBe(4);
    expect(await test.metric('wanxiang_mqtt_logins_delayed_total')).toBe(1);
    expect(await login(test.endpoints.mqttUrl, 'air-nanhu', secret('air-nanhu'))).toBe(0);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_LOGIN_THROTTLED' })).toBe(0);
  });

  it('refuses a client asking for a keep-alive beyond the limit', async () => {
    expect(await login(test.endpoints.mqttUrl, 'grid-liyuan', secret('grid-liyuan'), { keepalive: 7_200 })).not.toBe(0);
  });

  it('closes connections past the per-address limit', async () => {
    const sockets = Array.from({ length: 45 }, () => connectTcp(Number(new URL(test.endpoints.mqttUrl).port), '127.0.0.1').on('error', () => undefined)); // the refused ones are reset
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await test.metric('wanxiang_mqtt_client_errors_total', { code: 'WX_ERR_TOO_MANY_CONNECTIONS' })).toBeGreaterThanOrEqual(5);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  it('refuses and disconnects a device disabled from the CLI at once', async () => {
    const client = await test.connect(test.device('water-shawan-river-mouth'));
    const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    await run('node', ['bin/wanxiang.js', 'devices', 'disable', '--id', 'water-shawan-river-mouth', '--registry', join(dir, 'devices.json')]);
    await closed;
    expect(await login(test.endpoints.mqttUrl, 'water-shawan-river-mouth', secret('water-shawan-river-mouth'))).toBe(5);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_DEVICE_DISABLED' })).toBe(1);
  });

  it('needs a bearer token with the right role for operator and admin actions', async () => {
    const replay = { method: 'POST', body: JSON.stringify({ recording: 'district-day', speed: 10_000, timestamps: 'now' }) };
    const none = await api('/api/v1/replay', replay);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'WX_ERR_UNAUTHORIZED' });
    expect((await api('/api/v1/replay', { ...replay, token: 'not-a-known-token-at-all' })).status).toBe(401);
    const reader = await api('/api/v1/replay', { ...replay, token: tokens.reader });
    expect(reader.status).toBe(403);
    expect(await reader.json()).toMatchObject({ code: 'WX_ERR_FORBIDDEN' });
    expect((await api('/api/v1/devices/air-sungang/disable', { method: 'POST', token: tokens.operator })).status).toBe(403);
    expect((await api('/api/v1/replay', { ...replay, token: tokens.operator })).status).toBe(202);
    // The replay connects every device from this address, past its limit of 40: the devices not let
    // in are skipped and named, and the replay ends and frees the address (it once held it for good).
    const finished = await waitFor(() => logLines.find((line) => line.includes('replay finished')), 100_000)
      .catch((error: unknown) => { throw new Error(`${String(error)}; the last log lines:\n${logLines.slice(-30).join('\n')}`); });
    expect(finished).toContain('devices not let in');
    expect(JSON.parse(finished).refusedDevices).toBeTypeOf('object');
  }, 120_000);

  it('rotates a secret from the admin API: the old one stops working, the new one works', async () => {
    const response = await api('/api/v1/devices/air-sungang/rotate', { method: 'POST', token: tokens.admin });
    expect(response.status).toBe(200);
    const { secret: fresh } = (await response.json()) as { secret: string };
    expect(await login(test.endpoints.mqttUrl, 'air-sungang', secret('air-sungang'))).toBe(4);
    expect(await login(test.endpoints.mqttUrl, 'air-sungang', fresh)).toBe(0);
    expect((await readFile(join(dir, 'devices.json'), 'utf8')).includes(fresh)).toBe(false);
  });

  it('sends security headers with every answer', async () => {
    const response = await api('/healthz');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('slows an address that guesses across many devices without locking out the devices there', async () => {
    const delayed = await test.metric('wanxiang_mqtt_logins_delayed_total');
    // Past the address's limit (8 failures a minute) on its own, whatever earlier tests left in the window.
    const ids = ['noise-buxin-road-1', 'noise-buxin-road-2', 'noise-yanhe-north-road-1', 'noise-yanhe-north-road-2', 'noise-yanhe-south-road-1', 'noise-cuizhu-road-1', 'noise-yijing-road-1', 'noise-donghu-road-1', 'noise-liantang-road-1', 'parking-mixc'];
    for (const id of ids) expect(await login(test.endpoints.mqttUrl, id, 'guess'), id).toBe(4);
    expect(await test.metric('wanxiang_mqtt_logins_delayed_total')).toBeGreaterThan(delayed);
    expect(await login(test.endpoints.mqttUrl, 'grid-hubei', secret('grid-hubei'))).toBe(0);
  });

  it('writes no secret or token into any log line', () => {
    const text = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(5);
    for (const id of ['air-dongmen', 'air-nanhu', 'air-sungang', 'grid-hubei']) expect(text).not.toContain(secret(id));
    for (const token of Object.values(tokens)) expect(text).not.toContain(token);
  });
});
