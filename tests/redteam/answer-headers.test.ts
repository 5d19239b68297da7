import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest, type RawAnswer, type RawRequest } from './raw-http.ts';

/** The headers docs/security.md promises on every answer. */
function expectSecurityHeaders(answer: RawAnswer, what: string): void {
  expect(answer.headers['content-security-policy'] ?? '', what).toContain("frame-ancestors 'none'");
  expect(answer.headers['x-frame-options'], what).toBe('DENY');
  expect(answer.headers['x-content-type-options'], what).toBe('nosniff');
  expect(answer.headers['referrer-policy'], what).toBe('no-referrer');
  expect(answer.headers['cache-control'], what).toBe('no-store');
}

/**
 * Answers no route's hooks touch (red team, HTTP pass): the event stream's head (written raw, the
 * reply hijacked) carried nosniff alone, and what Node's parser refuses was answered by Fastify's
 * default, `{"error":"Bad Request",...}`, without a code or any of the headers.
 */
describe('red team: the answers written around the hooks carry the security headers', () => {
  let test: TestPlatform;
  let url: string;

  beforeAll(async () => {
    test = await startTestPlatform();
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('on the event stream, plain and delta', async () => {
    for (const target of ['/api/v1/stream', '/api/v1/stream?format=delta']) {
      const stream = await rawRequest(url, { target, headers: { 'accept-encoding': 'gzip' }, keepOpen: true });
      stream.close();
      expect(stream.status).toBe(200);
      expectSecurityHeaders(stream, target);
    }
  });

  it('on what the HTTP parser refuses: a coded 400, never Fastify’s own words', async () => {
    const refused: Array<[RawRequest, number, string]> = [
      [{ method: 'get', target: '/api/v1/live' }, 400, 'WX_ERR_BAD_REQUEST'],
      [{ target: '/api/v1/live', headers: { 'content-length': 'abc' } }, 400, 'WX_ERR_BAD_REQUEST'],
      [{ target: '/api/v1/live', headers: { 'x-long': 'a'.repeat(20_000) } }, 431, 'WX_ERR_HEADERS_TOO_LARGE'],
    ];
    for (const [request, status, code] of refused) {
      const answer = await rawRequest(url, request);
      const what = JSON.stringify(request).slice(0, 80);
      expect(answer.status, what).toBe(status);
      expectSecurityHeaders(answer, what);
      expect(JSON.parse(answer.body), what).toMatchObject({ code });
      expect(answer.body, what).not.toContain('"error"');
    }
  });
});
