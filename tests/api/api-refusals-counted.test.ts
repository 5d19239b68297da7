import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const operator = 'operator-token-0123456789abcdef';

/** A raw GET, so that a path fetch would normalise (`%zz`) reaches the router as sent. */
const rawGet = (url: string, path: string) =>
  new Promise<number>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const sent = httpRequest({ hostname, port, path, method: 'GET' }, (answer) => {
      answer.resume();
      resolve(answer.statusCode ?? 0);
    });
    sent.on('error', reject);
    sent.end();
  });

/** Bad input to the API is answered with a code and counted, by code and by the route that matched (never the request's text). */
describe('API refusals are counted', () => {
  let test: TestPlatform;
  const refusals = (labels: Record<string, string>) => test.metric('wanxiang_api_refusals_total', labels);
  beforeAll(async () => {
    test = await startTestPlatform({ http: { tokens: [{ role: 'operator', token: operator }] } });
  });
  afterAll(async () => {
    await test?.close();
  });

  it('a bad argument, a body that is not JSON, an unknown event, a missing token, a path no route has, a URL the router refuses', async () => {
    const url = test.endpoints.httpUrl;
    const call = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init);
    expect((await call('/api/v1/events/figures?weeks=99', { headers: { authorization: `Bearer ${operator}` } })).status).toBe(400);
    expect((await call('/api/v1/events/ev-none/comment', { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: '{not json' })).status).toBe(400);
    expect((await call('/api/v1/events/ev-none', { headers: { authorization: `Bearer ${operator}` } })).status).toBe(404);
    expect((await call('/api/v1/events/ev-none/comment', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await call('/api/v1/no-such-route-<script>')).status).toBe(404);
    expect(await rawGet(url, '/api/v1/events/%zz')).toBe(400);

    expect(await refusals({ code: 'WX_ERR_INVALID_ARGUMENT', route: '/api/v1/events/figures' })).toBe(1);
    expect(await refusals({ code: 'WX_ERR_INVALID_ARGUMENT', route: '/api/v1/events/:id/comment' })).toBe(1);
    expect(await refusals({ code: 'WX_ERR_EVENT_NOT_FOUND', route: '/api/v1/events/:id' })).toBe(1);
    expect(await refusals({ code: 'WX_ERR_UNAUTHORIZED', route: '/api/v1/events/:id/comment' })).toBe(1);
    expect(await refusals({ code: 'WX_ERR_NOT_FOUND', route: 'none' })).toBe(1);
    expect(await refusals({ code: 'WX_ERR_BAD_TARGET', route: 'none' })).toBe(1);
    // The request's own text is never a label value.
    const exposition = await (await call('/metrics')).text();
    expect(exposition).not.toContain('<script>');
    expect(exposition).not.toContain('ev-none');
  });

  it('an answer that is no refusal is not counted', async () => {
    const before = await refusals({});
    expect((await fetch(`${test.endpoints.httpUrl}/healthz`)).status).toBe(200);
    expect(await refusals({})).toBe(before);
  });
});
