import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const tokens = { water: 'water-dept-token-0123456789abcd', reader: 'reader-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef' };

/**
 * Red team 11: signed-in event streams were bounded by the hub's total only, so one credential, a
 * department's token given to another bureau, opened every slot (1,000 from one loopback client in
 * a few seconds) and the wall, signed in or not, was answered 429 "as many clients as allowed". A
 * credential (its token, and the sessions that token signed in) now holds at most
 * http.streamsPerCredential streams, wherever they come from; other credentials keep theirs.
 */
describe('red team: event streams per credential', () => {
  let test: TestPlatform;
  let url: string;
  const streams: Array<{ close(): void }> = [];
  const openStream = async (from: string, headers: Record<string, string>) => {
    const answer = await rawRequest(url, { target: '/api/v1/stream', from, headers, keepOpen: true });
    if (answer.status === 200) streams.push(answer);
    else answer.close();
    return answer;
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const clientsNow = () => test.metric('wanxiang_stream_clients');

  beforeAll(async () => {
    test = await startTestPlatform({
      http: {
        tokens: [{ role: 'department', name: 'water', token: tokens.water }, { role: 'reader', token: tokens.reader }, { role: 'operator', token: tokens.operator }],
        maxStreams: 10, streamSlotsForSignedIn: 4, streamsPerCredential: 3,
      },
    });
    url = test.endpoints.httpUrl;
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await test?.close();
  });

  it('holds one credential to its streams from any address, with its token or its session, and lets the others in', async () => {
    for (const from of ['127.0.0.2', '127.0.0.3']) expect((await openStream(from, bearer(tokens.water))).status).toBe(200);
    const signIn = await rawRequest(url, { method: 'POST', target: '/api/v1/session', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokens.water }) });
    const cookie = `wx_session=${/^wx_session=([^;]*)/.exec(signIn.headers['set-cookie'] ?? '')![1]!}`;
    expect((await openStream('127.0.0.4', { cookie })).status).toBe(200);
    // The fourth, by token or by session, from a new address or an old one: refused, saying why.
    for (const [from, headers] of [['127.0.0.5', bearer(tokens.water)], ['127.0.0.2', { cookie }]] as const) {
      const refused = await openStream(from, headers);
      expect(refused.status).toBe(429);
      expect(refused.body).toContain('WX_ERR_TOO_MANY_CONNECTIONS');
      expect(refused.body).toContain('this credential');
    }
    // The wall and the operator still get theirs.
    for (let n = 0; n < 3; n += 1) expect((await openStream('127.0.0.6', bearer(tokens.reader))).status).toBe(200);
    expect((await openStream('127.0.0.6', bearer(tokens.operator))).status).toBe(200);
    expect(await clientsNow()).toBe(7);
    // A stream of the credential that ends gives it its slot back.
    streams.shift()!.close();
    await expect.poll(clientsNow, { timeout: 10_000 }).toBe(6);
    expect((await openStream('127.0.0.5', bearer(tokens.water))).status).toBe(200);
  });
});
