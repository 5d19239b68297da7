import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const tokens = { reader: 'reader-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef' };

/**
 * Reads open (the default), as on an operations-centre network: DNS rebinding and an event-stream
 * flood, against a real platform over raw sockets from several loopback addresses.
 */
describe('red team: open reads', () => {
  let test: TestPlatform;
  let url: string;
  const streams: Array<{ close(): void }> = [];
  /** Opens an event stream from `from`; its status (200 held open, 429 refused with the reason). */
  const openStream = async (from: string, headers: Record<string, string> = {}) => {
    const answer = await rawRequest(url, { target: '/api/v1/stream', from, headers, keepOpen: true });
    if (answer.status === 200) streams.push(answer);
    else answer.close();
    return answer;
  };
  const clientsNow = () => test.metric('wanxiang_stream_clients');

  beforeAll(async () => {
    test = await startTestPlatform({
      http: { tokens: [{ role: 'reader', token: tokens.reader }, { role: 'operator', token: tokens.operator }], streamsPerAddress: 3, maxStreams: 8, streamSlotsForSignedIn: 3 },
    });
    url = test.endpoints.httpUrl;
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await test?.close();
  });

  it('refuses a rebinding page’s Host, takes the platform’s own names and IP literals (item 16)', async () => {
    for (const host of ['attacker.example', 'attacker.example:3000', 'rebind.attacker.example.', '127.0.0.1.attacker.example']) {
      const answer = await rawRequest(url, { target: '/api/v1/live', headers: { host } });
      expect(answer.status, host).toBe(421);
      expect(answer.body).toContain('WX_ERR_HOST_NOT_ALLOWED');
      expect(answer.body).not.toContain('"devices"');
    }
    expect((await rawRequest(url, { target: '/api/v1/stream', headers: { host: 'attacker.example' }, keepOpen: true })).status).toBe(421);
    for (const host of ['localhost', `localhost:${new URL(url).port}`, '127.0.0.1', '[::1]']) {
      expect((await rawRequest(url, { target: '/api/v1/live', headers: { host } })).status, host).toBe(200);
    }
  });

  it('caps anonymous event streams per address and keeps slots for signed-in screens (item 7)', async () => {
    // One address takes its 3 anonymous streams, and no more.
    for (let n = 0; n < 3; n += 1) expect((await openStream('127.0.0.2')).status).toBe(200);
    const perAddress = await openStream('127.0.0.2');
    expect(perAddress.status).toBe(429);
    expect(perAddress.body).toContain('WX_ERR_TOO_MANY_CONNECTIONS');
    expect(perAddress.body).toContain('this address');
    // A flood from other addresses takes the anonymous slots (8 - 3 kept = 5), then is refused...
    for (let n = 0; n < 2; n += 1) expect((await openStream('127.0.0.3')).status).toBe(200);
    const kept = await openStream('127.0.0.4');
    expect(kept.status).toBe(429);
    expect(kept.body).toContain('signed-in');
    // ...while signed-in screens still get theirs: a bearer token or a session cookie.
    expect((await openStream('127.0.0.4', { authorization: `Bearer ${tokens.reader}` })).status).toBe(200);
    const signIn = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokens.operator }) });
    const cookie = /^wx_session=[^;]*/.exec(signIn.headers.get('set-cookie') ?? '')![0];
    expect((await openStream('127.0.0.4', { cookie })).status).toBe(200);
    expect((await openStream('127.0.0.2', { cookie })).status).toBe(200); // signed in: not held to the address's anonymous cap
    expect(await clientsNow()).toBe(8);
    const full = await openStream('127.0.0.5', { authorization: `Bearer ${tokens.reader}` });
    expect(full.status).toBe(429);
    expect(full.body).toContain('as many clients as allowed');
    // A stream that ends gives its slot back.
    streams.shift()!.close();
    await expect.poll(clientsNow, { timeout: 10_000 }).toBe(7);
    expect((await openStream('127.0.0.2')).status).toBe(200);
  });
});
