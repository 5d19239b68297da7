import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest, type RawRequest } from './raw-http.ts';

const operator = 'operator-token-0123456789abcdef';

/** Red team 11's small answers: each a right request answered wrong, or a wrong one with the wrong code. */
describe('red team: the scheme name, a static path out of its folder, a replay with no body', () => {
  let test: TestPlatform;
  let url: string;
  const raw = (target: string, request: Omit<RawRequest, 'target'> = {}) => rawRequest(url, { target, ...request });

  beforeAll(async () => {
    test = await startTestPlatform({ http: { readAccess: 'token', tokens: [{ role: 'operator', token: operator }] } });
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('takes the bearer scheme in any case (RFC 9110 §11.1), and counts no wrong token for it', async () => {
    const before = await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_UNAUTHORIZED' });
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const answer = await raw('/api/v1/session', { headers: { authorization: `${scheme} ${operator}` } });
      expect({ scheme, status: answer.status }).toEqual({ scheme, status: 200 });
      expect(JSON.parse(answer.body)).toMatchObject({ canRead: true });
      // An operator's action, which only a token's role allows.
      expect((await raw('/api/v1/alarms/access', { headers: { authorization: `${scheme} ${operator}` } })).status).toBe(204);
    }
    expect(await test.metric('wanxiang_api_auth_failures_total', { code: 'WX_ERR_UNAUTHORIZED' })).toBe(before);
    // Another scheme is still no bearer token.
    expect((await raw('/api/v1/live', { headers: { authorization: `Bearerx ${operator}` } })).status).toBe(401);
  });

  it('answers a static path out of its folder as no such file, with a catalogue code', async () => {
    for (const target of ['/docs/static/../../package.json', '/docs/static/%2e%2e/%2e%2e/package.json']) {
      const answer = await raw(target, { headers: { authorization: `Bearer ${operator}` } });
      expect({ target, status: answer.status }).toEqual({ target, status: 404 });
      expect(answer.body).not.toContain('"name": "wanxiang"');
      if (answer.body.startsWith('{')) expect(JSON.parse(answer.body).code).toBe('WX_ERR_NOT_FOUND');
    }
  });

  it('refuses a replay with no body as a body that names no recording (the document says the body is needed)', async () => {
    for (const headers of [{}, { 'content-type': 'application/json' }] as Array<Record<string, string>>) {
      const answer = await raw('/api/v1/replay', { method: 'POST', headers: { authorization: `Bearer ${operator}`, ...headers } });
      expect(answer.status, answer.body).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT' });
      expect(JSON.parse(answer.body).message).toMatch(/body/i);
    }
    const document = JSON.parse((await raw('/docs/json', { headers: { authorization: `Bearer ${operator}` } })).body);
    expect(document.paths['/api/v1/replay'].post.requestBody.required).toBe(true);
  });
});
