import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { spawnPlatform, type SpawnedPlatform } from '../helpers/spawned-platform.ts';

const reader = 'reader-token-0123456789abcdef';

/**
 * The platform as `npm start` starts it, configured only through the environment
 * (WX_API_READ_ACCESS=token, WX_API_TOKENS, WX_SESSION_DAYS): a screen signs in and reads the
 * district and its event stream with the cookie alone.
 */
describe('a screen session on the platform started as `npm start` does', () => {
  let platform: SpawnedPlatform;

  beforeAll(async () => {
    platform = await spawnPlatform(inject('influxUrl'), { WX_API_READ_ACCESS: 'token', WX_API_TOKENS: `reader:${reader}`, WX_SESSION_DAYS: '7' });
  });
  afterAll(async () => {
    if (platform) expect(await platform.stop()).toBe(0);
  });

  it('signs in for WX_SESSION_DAYS and reads with the cookie', async () => {
    expect((await fetch(`${platform.httpUrl}/api/v1/live`)).status).toBe(401);
    const signIn = await fetch(`${platform.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: reader }) });
    expect(signIn.status).toBe(204);
    const header = signIn.headers.get('set-cookie')!;
    expect(header).toContain(`Max-Age=${7 * 86_400}`);
    const cookie = header.split(';')[0]!;
    expect((await fetch(`${platform.httpUrl}/api/v1/live`, { headers: { cookie } })).status).toBe(200);
    const abort = new AbortController();
    const stream = await fetch(`${platform.httpUrl}/api/v1/stream`, { headers: { cookie }, signal: abort.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    abort.abort();
  });
});
