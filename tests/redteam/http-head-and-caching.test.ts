import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest, type RawAnswer } from './raw-http.ts';

const tokens = { reader: 'reader-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The answer, or a failure naming the target when none came within `ms` (a hung answer). */
async function answered(url: string, request: Parameters<typeof rawRequest>[1], ms = 3_000): Promise<RawAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${request.method ?? 'GET'} ${request.target} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([rawRequest(url, request), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The third HTTP red-team pass, in read access `token`: what a HEAD of the event stream and the
 * printable report's caching gave away.
 */
describe('red team: HEAD of the event stream, and caching of the report page', () => {
  let test: TestPlatform;
  let url: string;

  beforeAll(async () => {
    test = await startTestPlatform({
      http: { readAccess: 'token', tokens: [{ role: 'reader', token: tokens.reader }, { role: 'operator', token: tokens.operator }] },
    });
    url = test.endpoints.httpUrl;
  });
  afterAll(async () => {
    await test?.close();
  });

  it('answers a HEAD of the event stream with its head and ends it, holding no stream slot', async () => {
    // A HEAD was attached to the hub like a GET: Node writes no body for a HEAD, so not even the
    // head went out, and the connection hung holding a stream slot until the client gave up.
    for (const format of ['', '?format=delta']) {
      const head = await answered(url, { method: 'HEAD', target: `/api/v1/stream${format}`, headers: { ...bearer(tokens.reader), 'accept-encoding': 'gzip' } });
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(head.headers['cache-control']).toBe('no-store');
      expect(head.headers['x-content-type-options']).toBe('nosniff');
      expect(head.body).toBe('');
    }
    expect(await test.metric('wanxiang_stream_clients')).toBe(0);
    // Its access is the GET's: no credential, no head.
    expect((await answered(url, { method: 'HEAD', target: '/api/v1/stream' })).status).toBe(401);
  });

  it('lets no cache keep the printable report, an authenticated answer', async () => {
    const page = await rawRequest(url, { target: '/report?period=2025-01&lang=en', headers: bearer(tokens.reader) });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    // `no-cache` let the browser keep the page on disk after signing out (and a shared cache keep a
    // session's copy): the report is a read, in read access `token` an authenticated one.
    expect(page.headers['cache-control']).toBe('no-store');
  });
});
