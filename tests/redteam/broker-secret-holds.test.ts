import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailuresPerMinute } from '../../services/api/auth.ts';
import { brokerSecretHeader } from '../../services/cluster/emqx-auth.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { freePort } from '../../services/storage/influxd-launcher.ts';
import { startMosquitto, type Server } from '../cluster/servers.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const brokerSecret = 'emqx-http-auth-secret-0123456789abcdef';
const holdMs = 1_500;

/**
 * A wrong bearer token past its address's 20 a minute is held http.wrongTokenDelayMs before its 429
 * (red teams 11-13), but a wrong x-wanxiang-broker-secret on EMQX's endpoint was answered at once:
 * a guesser waiting for each answer had the secret checked as fast as it could ask.
 */
describe('red team: a wrong broker secret is held as a wrong token is, and the right one never waits', () => {
  let dir: string;
  let broker: Server;
  let test: TestPlatform;
  let login: { username: string; clientid: string; password: string; peerhost: string };
  const post = (secret: string, from: string) => rawRequest(test.endpoints.httpUrl, {
    method: 'POST', target: '/api/v1/auth/mqtt', from,
    headers: { 'content-type': 'application/json', [brokerSecretHeader]: secret }, body: JSON.stringify(login),
  });
  /** A request's answer and how long it took. */
  const timed = async (secret: string, from: string) => {
    const startedAt = Date.now();
    const answer = await post(secret, from);
    return { status: answer.status, body: answer.body, ms: Date.now() - startedAt };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-broker-holds-'));
    const port = await freePort();
    await writeFile(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    broker = await startMosquitto(join(dir, 'mosquitto.conf'), port);
    test = await startTestPlatform({
      cluster: { brokerUrl: `mqtt://127.0.0.1:${broker.port}`, brokerAuthSecret: brokerSecret, sessions: 1 },
      http: { wrongTokenDelayMs: holdMs, wrongTokensHeldPerAddress: 8 },
    });
    login = { username: 'air-guiyuan', clientid: 'air-guiyuan', password: simulatedDeviceSecret(test.config.fleetKey, 'air-guiyuan'), peerhost: '10.0.0.1' };
  });
  afterAll(async () => {
    await test?.close();
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds wrong secrets past the address\'s failures, counted as throttled, while the right one from the same address is answered at once', async () => {
    // Not loopback's 127.0.0.1, which the connection cap spares: an ordinary caller's address.
    const from = '127.0.0.9';
    for (let n = 0; n < apiFailuresPerMinute; n += 1) expect((await timed(`warm-${n}-wrong-secret`, from)).status).toBe(401);
    const throttledBefore = await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_LOGIN_THROTTLED' });
    // More held at once than http.wrongTokensHeldPerAddress (8): the right secret is checked all the same.
    const guesses = Promise.all(Array.from({ length: 20 }, (_, n) => timed(`guess-${n}-wrong-secret`, from)));
    await delay(200);
    const right = await timed(brokerSecret, from);
    expect(right.status).toBe(200);
    expect(JSON.parse(right.body)).toEqual({ result: 'allow', is_superuser: false });
    expect(right.ms).toBeLessThan(holdMs / 2);
    const held = await guesses;
    expect(held.map((answer) => answer.status)).toEqual(Array<number>(20).fill(429));
    expect(held[0]!.body).toContain('WX_ERR_LOGIN_THROTTLED');
    expect(Math.min(...held.map((answer) => answer.ms))).toBeGreaterThanOrEqual(holdMs);
    expect(await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_LOGIN_THROTTLED' })).toBe(throttledBefore + 20);
  });
});
