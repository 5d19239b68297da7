import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

// Twenty screens, each signed in with a token of its own (one token signs the same cookie within a second).
const readers = Array.from({ length: 20 }, (_, n) => `reader-token-${String(n).padStart(2, '0')}-0123456789abcdef`);

/**
 * Sign-out (issue 18 item 12) from many screens at once: every session is revoked, each answer is a
 * 204, and the revocations file stays whole, so a restart still refuses every one of them.
 */
describe('red team: sign-outs racing', () => {
  let test: TestPlatform;
  let url: string;

  beforeAll(async () => {
    test = await startTestPlatform({ http: { readAccess: 'token', tokens: readers.map((token) => ({ role: 'reader' as const, token })) } });
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('revokes every session of twenty signed out at once, in memory and in the file', async () => {
    const cookies: string[] = [];
    for (const token of readers) {
      const signIn = await rawRequest(url, { target: '/api/v1/session', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      cookies.push(/^wx_session=[^;]*/.exec(signIn.headers['set-cookie'] ?? '')![0]);
    }
    const answers = await Promise.all(cookies.map((cookie) => rawRequest(url, { target: '/api/v1/session', method: 'DELETE', headers: { cookie } })));
    expect(answers.map((answer) => `${answer.status} ${answer.body.slice(0, 60)}`)).toEqual(cookies.map(() => '204 '));
    for (const cookie of cookies) expect((await rawRequest(url, { target: '/api/v1/live', headers: { cookie } })).status).toBe(401);
    const saved = JSON.parse(await readFile(join(test.config.dataDir, 'session-revocations.json'), 'utf8')) as { revoked: Record<string, number> };
    expect(Object.keys(saved.revoked)).toHaveLength(20);
  });
});
