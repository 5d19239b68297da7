import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionCookies } from '../../services/api/session-cookie.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const tokens = { reader: 'reader-token-0123456789abcdef', wall: 'wall-reader-token-0123456789abcdef' };

/**
 * Sign-out (issue 18 item 12) attacked by the holder of a reader token: a token signs a new cookie
 * every second, and each cookie signed out was kept until its expiry, the file rewritten whole at
 * each sign-out. Three hundred cookies of one token (its sign-ins of five minutes) signed out.
 */
describe('red team: sign-outs of one token keep the revocations file small', () => {
  let test: TestPlatform;
  let url: string;
  let cookies: ReturnType<typeof createSessionCookies>;
  const read = (cookie: string) => rawRequest(url, { target: '/api/v1/live', headers: { cookie: `wx_session=${cookie}` } }).then((answer) => answer.status);

  beforeAll(async () => {
    test = await startTestPlatform({ http: { readAccess: 'token', tokens: [{ role: 'reader', token: tokens.reader }, { role: 'reader', token: tokens.wall }] } });
    url = test.endpoints.httpUrl;
    // The platform's own cookies: its fleet key, as every node of an installation signs them.
    cookies = createSessionCookies({ secret: test.config.fleetKey, tokens: Object.values(tokens).map((token) => ({ token })), sessionDays: test.config.http.sessionDays });
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('refuses every cookie signed out, keeps the file bounded, and leaves other tokens’ and later sessions alone', async () => {
    const soon = Math.floor(Date.now() / 1_000) + 86_400;
    const signedOut = Array.from({ length: 300 }, (_, n) => cookies.sign(tokens.reader, soon + n));
    const wall = cookies.sign(tokens.wall, soon);
    for (const cookie of signedOut) {
      const answer = await rawRequest(url, { target: '/api/v1/session', method: 'DELETE', headers: { cookie: `wx_session=${cookie}` } });
      expect(answer.status).toBe(204);
    }
    for (const cookie of [signedOut[0]!, signedOut[150]!, signedOut[299]!]) expect(await read(cookie)).toBe(401);
    const saved = JSON.parse(await readFile(join(test.config.dataDir, 'session-revocations.json'), 'utf8')) as { revoked: Record<string, number> };
    expect(Object.keys(saved.revoked).length).toBeLessThanOrEqual(101);
    // Another token's screen, and this token's sign-in after the last sign-out, still read.
    expect(await read(wall)).toBe(200);
    const signIn = await rawRequest(url, { target: '/api/v1/session', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokens.reader }) });
    const fresh = /^wx_session=([^;]*)/.exec(signIn.headers['set-cookie'] ?? '')![1]!;
    expect(await read(fresh)).toBe(200);
  }, 120_000);
});
