import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../services/config.ts';
import { createSessionCookies, sessionCookieName } from '../../services/api/session-cookie.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = { reader: 'reader-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef' };
const configured = (list: Record<string, string>) => Object.entries(list).map(([role, token]) => ({ role: role.replace(/\d$/, '') as 'reader' | 'operator' | 'admin', token }));

/** The session cookies the platform signs (keyed from its fleet key), built in the test through the same module. */
const platformCookies = (config: Config) => createSessionCookies({ secret: config.fleetKey, tokens: configured(tokens), sessionDays: config.http.sessionDays });

const cookieOf = (response: Response) => /^wx_session=([^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1];

/**
 * With `WX_API_READ_ACCESS=token` a wall screen signs in once (POST /api/v1/session) and reads with
 * an HttpOnly, SameSite=Strict cookie, the event stream included; the cookie grants reads only, and
 * a tampered, expired or revoked one is refused. Real platforms, restarted with other tokens.
 */
describe('the screen session under read access `token`', () => {
  let test: TestPlatform;
  let cookie = '';
  const overrides = (list: Record<string, string>) => ({ http: { readAccess: 'token' as const, tokens: configured(list), sessionDays: 30 } });
  const call = (path: string, init: RequestInit & { cookie?: string; token?: string; json?: unknown } = {}) => {
    const headers: Record<string, string> = {};
    if (init.cookie !== undefined) headers.cookie = `${sessionCookieName}=${init.cookie}`;
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${test.endpoints.httpUrl}${path}`, { ...init, headers, body: init.json === undefined ? init.body : JSON.stringify(init.json) });
  };

  beforeAll(async () => {
    test = await startTestPlatform(overrides(tokens));
  });
  afterAll(async () => {
    await test?.close();
  });

  it('refuses reads without a token or session, and says so on GET /api/v1/session', async () => {
    const live = await call('/api/v1/live');
    expect(live.status).toBe(401);
    expect(await live.json()).toMatchObject({ code: 'WX_ERR_UNAUTHORIZED' });
    const status = await call('/api/v1/session');
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ readAccess: 'token', canRead: false, expiresAtMs: null });
  });

  it('refuses a wrong token with 401 WX_ERR_UNAUTHORIZED and sets no cookie; a malformed body is 400', async () => {
    const wrong = await call('/api/v1/session', { method: 'POST', json: { token: 'not-one-of-the-platform-tokens' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'WX_ERR_UNAUTHORIZED' });
    expect(wrong.headers.get('set-cookie')).toBeNull();
    for (const json of [{}, { token: 5 }, { token: tokens.reader, extra: 1 }]) {
      const bad = await call('/api/v1/session', { method: 'POST', json });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT' });
    }
    // A form post, as another site's page could make, is not JSON: refused, no cookie.
    const form = await fetch(`${test.endpoints.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tokens.reader}` });
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT' });
    expect(form.headers.get('set-cookie')).toBeNull();
    // Nor is text/plain, the one other type a page may post to another site without asking first.
    const text = await fetch(`${test.endpoints.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ token: tokens.reader }) });
    expect(text.status).toBe(400);
    expect(text.headers.get('set-cookie')).toBeNull();
  });

  it('signs in with a reader token: 204 and an HttpOnly, SameSite=Strict cookie for sessionDays', async () => {
    const before = Date.now();
    const response = await call('/api/v1/session', { method: 'POST', json: { token: tokens.reader } });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    const header = response.headers.get('set-cookie')!;
    expect(header).toMatch(/^wx_session=\d+\.\d+\.[A-Za-z0-9_-]{43};/);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
    expect(header).toContain('Path=/');
    expect(header).toContain(`Max-Age=${30 * 86_400}`);
    expect(header).not.toContain('Secure'); // plain HTTP here; over TLS the cookie is Secure
    const proxied = await fetch(`${test.endpoints.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ token: tokens.reader }) });
    expect(proxied.headers.get('set-cookie')).toMatch(/; Secure$/);
    expect(header).not.toContain(tokens.reader);
    cookie = cookieOf(response)!;
    const status = (await (await call('/api/v1/session', { cookie })).json()) as { canRead: boolean; expiresAtMs: number };
    expect(status.canRead).toBe(true);
    expect(status.expiresAtMs).toBeGreaterThanOrEqual(Math.floor(before / 1_000) * 1_000 + 30 * 86_400_000);
  });

  it('reads /api/v1/live and the event stream with the cookie', async () => {
    expect((await call('/api/v1/live', { cookie })).status).toBe(200);
    expect((await call('/api/v1/devices', { cookie })).status).toBe(200);
    const abort = new AbortController();
    const stream = await call('/api/v1/stream', { cookie, signal: abort.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    abort.abort();
    await stream.body?.cancel().catch(() => undefined);
  });

  it('grants reads only: an alarm acknowledgement with the cookie alone is 401, with the operator token it goes on', async () => {
    const operatorCookie = cookieOf(await call('/api/v1/session', { method: 'POST', json: { token: tokens.operator } }))!;
    for (const session of [cookie, operatorCookie]) {
      const ack = await call('/api/v1/alarms/no-such-alarm/ack', { method: 'POST', cookie: session, json: { note: 'from another site' } });
      expect(ack.status).toBe(401);
      expect(await ack.json()).toMatchObject({ code: 'WX_ERR_UNAUTHORIZED' });
    }
    const disable = await call('/api/v1/devices/air-sungang/disable', { method: 'POST', cookie: operatorCookie });
    expect(disable.status).toBe(401);
    // The bearer header still does what it did: past authentication to the alarm lookup.
    const withToken = await call('/api/v1/alarms/no-such-alarm/ack', { method: 'POST', cookie, token: tokens.operator, json: { note: 'x' } });
    expect(withToken.status).toBe(404);
    // An unknown bearer token is refused even next to a valid cookie: a wrong credential is never ignored.
    expect((await call('/api/v1/live', { cookie, token: 'not-one-of-the-platform-tokens' })).status).toBe(401);
  });

  it('refuses a tampered cookie and an expired one', async () => {
    // The test's cookies are the platform's: one made here with a future expiry is taken.
    const cookies = platformCookies(test.config);
    expect((await call('/api/v1/live', { cookie: cookies.sign(tokens.reader, Math.floor(Date.now() / 1_000) + 3_600) })).status).toBe(200);
    const [expiry, signedIn, mac] = cookie.split('.') as [string, string, string];
    const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`;
    for (const tampered of [`${expiry}.${signedIn}.${flipped}`, `${Number(expiry) + 86_400}.${signedIn}.${mac}`, `${expiry}.${Number(signedIn) + 1}.${mac}`, `${expiry}.${mac}`, `${expiry}.${signedIn}.${mac}x`, 'garbage', '']) {
      const response = await call('/api/v1/live', { cookie: tampered });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'WX_ERR_UNAUTHORIZED' });
    }
    const expired = cookies.sign(tokens.reader, Math.floor(Date.now() / 1_000) - 1);
    expect((await call('/api/v1/live', { cookie: expired })).status).toBe(401);
    expect((await call('/api/v1/stream', { cookie: expired })).status).toBe(401);
  });

  it('DELETE /api/v1/session clears the cookie and revokes it on the server (issue 18 item 12)', async () => {
    // Another session (another expiry, so another value), so the cookie the later tests keep is not the one signed out here.
    const signedOut = platformCookies(test.config).sign(tokens.reader, Math.floor(Date.now() / 1_000) + 7_200);
    expect((await call('/api/v1/live', { cookie: signedOut })).status).toBe(200);
    const response = await call('/api/v1/session', { method: 'DELETE', cookie: signedOut });
    // A copy of the cookie kept from before the sign-out reads no more.
    expect((await call('/api/v1/live', { cookie: signedOut })).status).toBe(401);
    await expect((await call('/api/v1/session', { cookie: signedOut })).json()).resolves.toMatchObject({ canRead: false, expiresAtMs: null });
    expect((await call('/api/v1/live', { cookie })).status).toBe(200);
    expect(response.status).toBe(204);
    const header = response.headers.get('set-cookie')!;
    expect(header).toMatch(/^wx_session=;/);
    expect(header).toContain('Max-Age=0');
    expect(header).toContain('HttpOnly');
  });

  it('lists the session routes in a valid OpenAPI document', async () => {
    // In read access `token` the document is a read like the others (issue 18 item 15).
    expect((await call('/docs/json')).status).toBe(401);
    const document = (await (await call('/docs/json', { token: tokens.reader })).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths['/api/v1/session'] ?? {}).sort()).toEqual(['delete', 'get', 'post']);
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('keeps a session across a restart with the same fleet key, and revokes it once its token is removed', async () => {
    const operatorCookie = cookieOf(await call('/api/v1/session', { method: 'POST', json: { token: tokens.operator } }))!;
    await test.close();
    test = await startTestPlatform(overrides(tokens));
    expect((await call('/api/v1/live', { cookie })).status).toBe(200);
    await test.close();
    // The reader token replaced by another: its sessions end, the operator's sessions hold.
    test = await startTestPlatform(overrides({ reader2: 'another-reader-token-0123456789', operator: tokens.operator, admin: tokens.admin }));
    const revoked = await call('/api/v1/live', { cookie });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ code: 'WX_ERR_UNAUTHORIZED' });
    expect((await call('/api/v1/live', { cookie: operatorCookie })).status).toBe(200);
  });
});
