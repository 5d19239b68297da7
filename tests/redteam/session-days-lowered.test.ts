import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionCookies } from '../../services/api/session-cookie.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const token = 'reader-token-0123456789abcdef';
const dayMs = 86_400_000;

/**
 * Red team, HTTP pass 3 (conventions 17: access from the settings as they are now, never a value
 * fixed at sign-in): a cookie carried the expiry of the WX_SESSION_DAYS in force when it was signed
 * in, so lowering the setting (30 days to 1, after a lost screen) left every older session reading
 * for the rest of its 30 days. A session now lasts as long as the setting says today.
 */
describe('red team: a lowered WX_SESSION_DAYS ends the sessions older than it', () => {
  let test: TestPlatform;
  let url: string;

  beforeAll(async () => {
    test = await startTestPlatform({ http: { readAccess: 'token', sessionDays: 1, tokens: [{ role: 'reader', token }] } });
    url = test.endpoints.httpUrl;
  });
  afterAll(async () => {
    await test?.close();
  });

  it('refuses a cookie signed in two days ago under 30-day sessions, and takes one signed in an hour ago', async () => {
    // The cookies the same installation (its fleet key) signed while sessions lasted 30 days.
    const before = createSessionCookies({ secret: test.config.fleetKey, tokens: [{ token }], sessionDays: 30 });
    const read = (value: string) => rawRequest(url, { target: '/api/v1/live', headers: { cookie: `wx_session=${value}` } });
    const old = before.issue(token, Date.now() - 2 * dayMs)!;
    const recent = before.issue(token, Date.now() - 3_600_000)!;
    expect((await read(old.value)).status).toBe(401);
    expect((await read(recent.value)).status).toBe(200);
    // Its status says when it ends under today's setting, not the 30 days it was signed for.
    const status = await rawRequest(url, { target: '/api/v1/session', headers: { cookie: `wx_session=${recent.value}` } });
    const { expiresAtMs } = JSON.parse(status.body) as { expiresAtMs: number };
    expect(expiresAtMs).toBeLessThanOrEqual(Date.now() + dayMs);
    expect(expiresAtMs).toBeGreaterThan(Date.now() + dayMs - 2 * 3_600_000);
  });
});
