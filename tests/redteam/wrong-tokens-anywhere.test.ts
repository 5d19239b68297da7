import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailuresPerMinute } from '../../services/api/auth.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest, type RawRequest } from './raw-http.ts';

const reader = 'reader-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Wrong credentials (docs/security.md) where no credential is needed, reads open (the default):
 * the session's status, /healthz, an open read (whose answer a token changes: names are shown)
 * and the event stream (a token takes the slots kept for signed-in screens) asked the bearer
 * token's role directly, so guesses there were neither counted nor throttled.
 */
describe('red team: a wrong bearer token is counted and held wherever it is presented', () => {
  let test: TestPlatform;
  let url: string;
  const raw = (target: string, request: Omit<RawRequest, 'target'> = {}) => rawRequest(url, { target, ...request });
  const failures = async () => (await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_UNAUTHORIZED' })) + (await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_LOGIN_THROTTLED' }));

  beforeAll(async () => {
    test = await startTestPlatform({ http: { wrongTokenDelayMs: 50, tokens: [{ role: 'reader', token: reader }] } });
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('refuses 31 guesses at GET /api/v1/session, the last ones as throttled, and still takes the right token', async () => {
    const from = '127.0.0.2';
    const before = await failures();
    const statuses: number[] = [];
    for (let n = 0; n < 31; n += 1) statuses.push((await raw('/api/v1/session', { from, headers: bearer(`wrong-token-${n}-000000000000`) })).status);
    expect(statuses).toEqual([...Array<number>(apiFailuresPerMinute).fill(401), ...Array<number>(31 - apiFailuresPerMinute).fill(429)]);
    const held = await raw('/api/v1/session', { from, headers: bearer('one-more-wrong-token-0000000') });
    expect(held.headers['retry-after']).toBe('60');
    expect(held.body).toContain('WX_ERR_LOGIN_THROTTLED');
    expect(await failures()).toBe(before + 32);
    // Never a right token refused for others' wrong ones (issue 18 item 6).
    const right = await raw('/api/v1/session', { from, headers: bearer(reader) });
    expect(right.status).toBe(200);
    expect(JSON.parse(right.body)).toMatchObject({ canRead: true });
    const stream = await raw('/api/v1/stream', { from, headers: bearer(reader), keepOpen: true });
    stream.close();
    expect(stream.status).toBe(200);
  });

  it('counts a wrong token at /healthz, an open read and the event stream', async () => {
    const before = await failures();
    for (const target of ['/healthz', '/api/v1/live', '/api/v1/stream', '/api/v1/events/marks']) {
      const answer = await raw(target, { from: '127.0.0.3', headers: bearer('not-a-token-of-this-platform') });
      expect({ target, status: answer.status }).toEqual({ target, status: 401 });
      expect(answer.body).toContain('WX_ERR_UNAUTHORIZED');
    }
    expect(await failures()).toBe(before + 4);
    // No credential, or another scheme a proxy may add, where none is needed: read as before.
    expect([200, 503]).toContain((await raw('/healthz', { from: '127.0.0.3' })).status);
    expect((await raw('/api/v1/live', { from: '127.0.0.3', headers: { authorization: 'Basic d2FsbDp3YWxs' } })).status).toBe(200);
  });
});
