import { get, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const token = 'reader-token-0123456789abcdef';
const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same fields spelled otherwise: leading zeros, and the MAC's last character changed only in the bits base64url leaves unused. */
function spellings(cookie: string): Record<string, string> {
  const [expiry, signedIn, mac] = cookie.split('.') as [string, string, string];
  const last = base64url.indexOf(mac.at(-1)!);
  const sibling = base64url[(last & ~3) + ((last + 1) & 3)]!;
  return { 'zeros on the expiry': `00${expiry}.${signedIn}.${mac}`, 'a zero on the sign-in time': `${expiry}.0${signedIn}.${mac}`, 'unused MAC bits': `${expiry}.${signedIn}.${mac.slice(0, -1)}${sibling}` };
}

/**
 * The red team's repro-cookie.sh (read access `token`): a session signed out still read when its
 * cookie was spelled differently, since the cookie parsed leniently and sign-out kept the digest
 * of the text as sent. Every spelling but the one the platform gave is refused, and a stream
 * opened with another spelling does not outlive the sign-out.
 */
describe('red team: a signed-out session read on under another spelling of its cookie', () => {
  let test: TestPlatform;
  let url: string;
  const read = (cookie: string) => rawRequest(url, { target: '/api/v1/live', headers: { cookie: `wx_session=${cookie}` } }).then((answer) => answer.status);

  beforeAll(async () => {
    test = await startTestPlatform({ http: { readAccess: 'token', tokens: [{ role: 'reader', token }] } });
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('refuses every other spelling after sign-out, and ends a stream opened with one', async () => {
    const signIn = await rawRequest(url, { method: 'POST', target: '/api/v1/session', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const cookie = /^wx_session=([^;]*)/.exec(signIn.headers['set-cookie'] ?? '')![1]!;
    const variants = spellings(cookie);
    expect(await read(cookie)).toBe(200);

    const stream = await new Promise<{ status: number; ended: () => boolean; close(): void }>((resolve, reject) => {
      let ended = false;
      const request = get(`${url}/api/v1/stream`, { headers: { cookie: `wx_session=${variants['unused MAC bits']}` } }, (response: IncomingMessage) => {
        response.resume();
        response.on('close', () => { ended = true; });
        resolve({ status: response.statusCode ?? 0, ended: () => ended, close: () => request.destroy() });
      });
      request.on('error', reject);
    });

    const signOut = await rawRequest(url, { method: 'DELETE', target: '/api/v1/session', headers: { cookie: `wx_session=${cookie}` } });
    expect(signOut.status).toBe(204);
    expect(await read(cookie)).toBe(401);
    for (const [name, variant] of Object.entries(variants)) expect({ name, status: await read(variant) }).toEqual({ name, status: 401 });

    // Refused at once, or ended at the next heartbeat (the hub's timer work, run here): never reading on.
    if (stream.status === 200) {
      await expect.poll(() => {
        test.platform.live.hub.heartbeat();
        return stream.ended();
      }, { timeout: 20_000, interval: 200 }).toBe(true);
    }
    stream.close();
  });
});
