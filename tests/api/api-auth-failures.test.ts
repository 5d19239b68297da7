import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailuresPerMinute } from '../../services/api/auth.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = { reader: 'reader-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef' };

/** Wrong credentials on the API are answered, counted, and after a handful a minute held up for their address. */
describe('refused API credentials', () => {
  let test: TestPlatform;
  const call = (path: string, init: { method?: string; token?: string; json?: unknown } = {}) => fetch(`${test.endpoints.httpUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  beforeAll(async () => {
    test = await startTestPlatform({ http: { readAccess: 'token', wrongTokenDelayMs: 1_500, tokens: [{ role: 'reader', token: tokens.reader }, { role: 'operator', token: tokens.operator }] } });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('counts a missing token, a wrong one and too weak a role, each under its code', async () => {
    expect((await call('/api/v1/live')).status).toBe(401);
    expect((await call('/api/v1/live', { token: 'not-a-token-of-this-platform' })).status).toBe(401);
    const weak = await call('/api/v1/alarms/some-alarm/ack', { method: 'POST', token: tokens.reader, json: { note: 'x' } });
    expect(weak.status).toBe(403);
    expect(await weak.json()).toMatchObject({ code: 'WX_ERR_FORBIDDEN' });
    expect(await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_UNAUTHORIZED' })).toBe(2);
    expect(await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_FORBIDDEN' })).toBe(1);
  });

  it('holds up an address past its refused tokens: wrong ones answer 429 saying so, the right one still reads (issue 18 item 6)', async () => {
    // One refused token so far (above); the sign-in counts as the others do.
    expect((await call('/api/v1/session', { method: 'POST', json: { token: 'wrong-sign-in-token-000000' } })).status).toBe(401);
    for (let n = 2; n < apiFailuresPerMinute; n += 1) expect((await call('/api/v1/live', { token: `wrong-token-${n}-0000000000` })).status).toBe(401);
    const held = await call('/api/v1/live', { token: 'yet-another-wrong-token-000' });
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toBe('60');
    expect(await held.json()).toMatchObject({ code: 'WX_ERR_LOGIN_THROTTLED' });
    const heldSignIn = await call('/api/v1/session', { method: 'POST', json: { token: 'wrong-sign-in-token-000000' } });
    expect(heldSignIn.status).toBe(429);
    expect(await heldSignIn.json()).toMatchObject({ code: 'WX_ERR_LOGIN_THROTTLED' });
    // The right credentials are checked first: the wall's token and its sign-in go on.
    expect((await call('/api/v1/live', { token: tokens.reader })).status).toBe(200);
    expect((await call('/api/v1/session', { method: 'POST', json: { token: tokens.reader } })).status).toBe(204);
    expect((await call('/api/v1/alarms/no-such-alarm/ack', { method: 'POST', token: tokens.operator, json: { note: 'x' } })).status).toBe(404);
    expect((await call('/api/v1/live')).status).toBe(401); // no token: refused as before, not held up
    expect(await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_LOGIN_THROTTLED' })).toBe(2);
  });

  // Every token is checked, so a guesser past the limit still learned "wrong" at once: about 1,000
  // guesses a second from one address (red team 11). The answer is held now; a right one is not.
  it('holds a throttled wrong token\'s 429 for http.wrongTokenDelayMs, while the right token from the same address reads at once', async () => {
    const finished: string[] = [];
    const sentAt = Date.now();
    const wrong = call('/api/v1/live', { token: 'a-guess-past-the-limit-0000' }).then(async (answer) => {
      finished.push('wrong');
      return { status: answer.status, body: await answer.json() as { code: string }, waitedMs: Date.now() - sentAt };
    });
    const right = call('/api/v1/live', { token: tokens.reader }).then((answer) => {
      finished.push('right');
      return answer.status;
    });
    expect(await right).toBe(200);
    expect(await wrong).toMatchObject({ status: 429, body: { code: 'WX_ERR_LOGIN_THROTTLED' } });
    expect((await wrong).waitedMs).toBeGreaterThanOrEqual(1_500);
    expect(finished).toEqual(['right', 'wrong']);
  });

  it('decides from the matched route, so an encoded, doubled or dotted path is refused like the plain one', async () => {
    for (const path of ['/api/v1/live', '/%61pi/v1/live', '/%61%70%69/v1/live', '/api/v1/%6Cive', '/api//v1/live']) {
      const answer = await call(path);
      expect([401, 404], path).toContain(answer.status);
      expect(JSON.stringify(await answer.json()), path).not.toContain('"devices"');
    }
    expect((await call('/%61pi/v1/live')).status).toBe(401);
  });
});
