import { get } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

/**
 * A sign-in whose body never ends (the red team's slow.mjs and idle.mjs): the head says 4,000
 * bytes, then a byte now and then, or none. Resolves once the server has closed the connection,
 * with what it answered.
 */
function slowSignIn(url: string, from: string, everyMs: number | null): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let text = '';
    let trickle: NodeJS.Timeout | undefined;
    const socket = connect({ host: hostname, port: Number(port), localAddress: from }, () => {
      socket.write(`POST /api/v1/session HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n{`);
      if (everyMs !== null) trickle = setInterval(() => socket.write(' '), everyMs);
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => { text += chunk; });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(trickle);
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) reject(new Error(`closed without an answer: ${JSON.stringify(text.slice(0, 100))}`));
      else resolve({ status: Number(text.split(' ')[1]), body: text.slice(end + 4) });
    });
  });
}

/** An event stream from one local address: what it has sent so far, and whether it has ended. */
function openStream(url: string, from: string) {
  let text = '';
  let ended = false;
  const request = get(`${url}/api/v1/stream`, { localAddress: from });
  const opened = new Promise<void>((resolve, reject) => {
    request.on('response', (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { text += chunk; });
      response.on('close', () => { ended = true; });
      resolve();
    });
    request.on('error', reject);
  });
  return { opened, text: () => text, ended: () => ended, close: () => request.destroy() };
}

/**
 * Slow clients (red team, HTTP pass): Fastify 5 sets no request timeout, so a body sent a byte every
 * 20 s held its connection for ever, 200 of them from one address. Short bounds here; the defaults
 * are 30 s for a request and 15 s of silence.
 */
describe('red team: slow bodies are closed and one address holds a bounded number of connections', () => {
  let test: TestPlatform;
  let url: string;
  const closed = (reason: string) => test.metric('wanxiang_http_connections_closed_total', { reason });

  beforeAll(async () => {
    test = await startTestPlatform({ http: { requestTimeoutMs: 2_000, clientIdleMs: 600, connectionsPerAddress: 3, connectionLimitExempt: [] } });
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('closes a body that trickles past the request timeout, and one that stands still, with 408; an event stream outlives both', async () => {
    const stream = openStream(url, '127.0.0.5');
    await stream.opened;
    const [trickled, still] = await Promise.all([slowSignIn(url, '127.0.0.2', 100), slowSignIn(url, '127.0.0.3', null)]);
    for (const answer of [trickled, still]) {
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'WX_ERR_REQUEST_TIMEOUT' });
    }
    expect(await closed('request_timeout')).toBe(1);
    expect(await closed('idle')).toBe(1);
    // The stream, open since before either and longer than the request timeout, is still served.
    test.platform.live.hub.heartbeat();
    await expect.poll(() => stream.text(), { timeout: 10_000 }).toContain('event: heartbeat');
    expect(stream.ended()).toBe(false);
    stream.close();
  }, 30_000);

  it('answers a connection past the per-address cap 429 WX_ERR_TOO_MANY_CONNECTIONS, and lets one in again once one closes', async () => {
    const held = await Promise.all([1, 2, 3].map(() => rawRequest(url, { target: '/api/v1/stream', from: '127.0.0.7', keepOpen: true })));
    expect(held.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const refused = await rawRequest(url, { target: '/api/v1/live', from: '127.0.0.7' });
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'WX_ERR_TOO_MANY_CONNECTIONS' });
    expect(refused.headers['x-frame-options']).toBe('DENY');
    expect(await closed('per_address')).toBe(1);
    // Another address is not held up by this one's.
    expect((await rawRequest(url, { target: '/api/v1/live', from: '127.0.0.8' })).status).toBe(200);
    held[0]!.close();
    await expect.poll(async () => (await rawRequest(url, { target: '/api/v1/live', from: '127.0.0.7' })).status, { timeout: 10_000 }).toBe(200);
    for (const answer of held) answer.close();
  });
});
