import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSecretHeader } from '../../services/cluster/emqx-auth.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { freePort } from '../../services/storage/influxd-launcher.ts';
import { startMosquitto, type Server } from '../cluster/servers.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { pathVariants, rawRequest } from './raw-http.ts';

const brokerSecret = 'emqx-http-auth-secret-0123456789abcdef';
const adminToken = 'admin-token-0123456789abcdef';

/**
 * The EMQX HTTP-auth endpoint of a platform started with an external broker (Debian's mosquitto
 * stands in for EMQX as the broker ingest subscribes to) and WX_BROKER_AUTH_SECRET: only a caller
 * with that secret reaches a password check, so a flood of guesses runs no scrypt (issue 18 item 2).
 */
describe('red team: POST /api/v1/auth/mqtt with an external broker', () => {
  let dir: string;
  let broker: Server;
  let test: TestPlatform;
  const post = (target: string, body: unknown, headers: Record<string, string> = {}) =>
    rawRequest(test.endpoints.httpUrl, { method: 'POST', target, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-broker-'));
    const port = await freePort();
    await writeFile(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    broker = await startMosquitto(join(dir, 'mosquitto.conf'), port);
    // Userinfo in the broker URL: it must never be shown (item 15).
    test = await startTestPlatform({ http: { tokens: [{ role: 'admin', token: adminToken }] }, cluster: { brokerUrl: `mqtt://ops-user:broker-url-password@127.0.0.1:${broker.port}`, brokerAuthSecret: brokerSecret, sessions: 1 } });
  });
  afterAll(async () => {
    await test?.close();
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers the broker, with its secret, for a device login', async () => {
    const secret = simulatedDeviceSecret(test.config.fleetKey, 'air-guiyuan');
    const answer = await post('/api/v1/auth/mqtt', { username: 'air-guiyuan', clientid: 'air-guiyuan', password: secret, peerhost: '10.0.0.1' }, { [brokerSecretHeader]: brokerSecret });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ result: 'allow', is_superuser: false });
  });

  it('refuses every spelling of the endpoint without the broker secret, and a flood of guesses runs no password check', async () => {
    const guess = { username: 'air-guiyuan', clientid: 'air-guiyuan', password: 'guess', peerhost: '10.0.0.2' };
    for (const path of ['/api/v1/auth/mqtt', '/api/v1/auth/mqtt/acl']) {
      for (const target of pathVariants(path)) {
        const answer = await post(target, path.endsWith('acl') ? { username: 'air-guiyuan', topic: 'luohu/v1/air/air-guiyuan/telemetry', action: 'publish' } : guess);
        expect([401, 404, 429, 400], `${target} ${answer.status}`).toContain(answer.status);
        expect(answer.body).not.toMatch(/"result"/);
      }
    }
    const checked = () => test.metric('wanxiang_auth_failures_total');
    const before = await checked();
    const answers = await Promise.all(Array.from({ length: 300 }, (_, n) => post('/api/v1/auth/mqtt', { ...guess, password: `guess-${n}` }, { [brokerSecretHeader]: `guess-${n}` })));
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([429]));
    expect(answers[0]!.body).toContain('WX_ERR_LOGIN_THROTTLED');
    // No login was checked (a checked wrong password counts WX_ERR_BAD_CREDENTIALS): no scrypt ran.
    expect(await checked()).toBe(before);
    expect(await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_LOGIN_THROTTLED' })).toBeGreaterThanOrEqual(300);
  });

  it('shows the broker URL on /healthz to an admin without its userinfo, and to no one else (item 15)', async () => {
    const health = await (await fetch(`${test.endpoints.httpUrl}/healthz`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    expect(health).toContain(`mqtt://***@127.0.0.1:${broker.port}`);
    const anonymous = await (await fetch(`${test.endpoints.httpUrl}/healthz`)).text();
    expect(anonymous).not.toContain('mqtt://');
    for (const text of [health, anonymous]) {
      expect(text).not.toContain('broker-url-password');
      expect(text).not.toContain('ops-user');
    }
  });
});
