import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSessionCookies, readCookie, sessionCookieHeader } from '../../services/api/session-cookie.ts';

const reader = { token: 'reader-token-0123456789abcdef' };
const operator = { token: 'operator-token-0123456789abcdef' };
const now = Date.UTC(2026, 11, 2, 12, 0, 0);

describe('session cookies: stateless, signed with a key derived from the fleet key', () => {
  const cookies = createSessionCookies({ secret: 'fleet-key-of-this-installation', tokens: [reader, operator], sessionDays: 30 });

  it('issues a cookie for a configured token only, valid until its expiry and not after', () => {
    expect(cookies.issue('not-a-configured-token', now)).toBeNull();
    const session = cookies.issue(reader.token, now)!;
    expect(session.maxAgeS).toBe(30 * 86_400);
    expect(session.expiresAtMs).toBe(now + 30 * 86_400_000);
    expect(session.value).not.toContain(reader.token);
    expect(cookies.verify(session.value, now)).toBe(session.expiresAtMs);
    expect(cookies.verify(session.value, session.expiresAtMs - 1)).toBe(session.expiresAtMs);
    expect(cookies.verify(session.value, session.expiresAtMs)).toBeNull();
  });

  it('refuses a cookie of another fleet key, and one whose token is no longer configured', () => {
    const value = cookies.issue(reader.token, now)!.value;
    expect(createSessionCookies({ secret: 'another-installation-key', tokens: [reader], sessionDays: 30 }).verify(value, now)).toBeNull();
    expect(createSessionCookies({ secret: 'fleet-key-of-this-installation', tokens: [operator], sessionDays: 30 }).verify(value, now)).toBeNull();
    expect(createSessionCookies({ secret: 'fleet-key-of-this-installation', tokens: [operator, reader], sessionDays: 7 }).verify(value, now)).not.toBeNull();
  });

  it('refuses a changed expiry or MAC and anything not shaped like a cookie', () => {
    const [expiry, signedIn, mac] = cookies.issue(operator.token, now)!.value.split('.') as [string, string, string];
    for (const value of [`${Number(expiry) + 1}.${signedIn}.${mac}`, `${expiry}.${Number(signedIn) + 1}.${mac}`, `${expiry}.${mac}`, `${expiry}.${signedIn}.${mac.slice(1)}A`, `${expiry}.${signedIn}.${mac}=`, `-1.${signedIn}.${mac}`, `0${expiry}.${signedIn}.${mac}`, `${expiry}.00${signedIn}.${mac}`, `${expiry}`, '', '1e9.abc']) {
      expect(cookies.verify(value, now)).toBeNull();
    }
  });

  it('refuses a session signed in before its person was enabled again, even in the same second', () => {
    const person: { enabledAt?: number } = {};
    const people = createSessionCookies({ secret: 'fleet-key-of-this-installation', tokens: [reader], sessionDays: 30, sessionsFrom: () => person.enabledAt });
    const before = people.issue(reader.token, now)!;
    expect(people.verify(before.value, now + 500)).toBe(before.expiresAtMs);
    person.enabledAt = now + 400; // disabled and enabled again within the second of the sign-in
    expect(people.verify(before.value, now + 500)).toBeNull();
    const after = people.issue(reader.token, now + 600)!;
    expect(people.verify(after.value, now + 700)).toBe(after.expiresAtMs);
    expect(after.expiresAtMs).toBe(now + 1_000 + 30 * 86_400_000);
  });

  it('knows when a cookie was signed in, whatever the session length is now; an older cookie without it is refused once its person was re-enabled', () => {
    const person: { enabledAt?: number } = {};
    const options = { secret: 'fleet-key-of-this-installation', tokens: [reader], sessionsFrom: () => person.enabledAt };
    const month = createSessionCookies({ ...options, sessionDays: 30 });
    const before = month.issue(reader.token, now)!;
    person.enabledAt = now + 2 * 86_400_000;
    // The session length lowered to a week after the re-enable: expiry − 7 days is past the re-enable, the cookie is still older.
    const week = createSessionCookies({ ...options, sessionDays: 7 });
    expect(week.verify(before.value, now + 3 * 86_400_000)).toBeNull();
    expect(week.verify(week.issue(reader.token, now + 3 * 86_400_000)!.value, now + 3 * 86_400_000 + 1)).not.toBeNull();
    // A cookie of the earlier format (`<expiry>.<mac>`, the MAC over the expiry alone) still works for a person never re-enabled.
    const expiresAtS = Math.floor(now / 1_000) + 3_600;
    const legacy = `${expiresAtS}.${createHmac('sha256', Buffer.from(hkdfSync('sha256', options.secret, '', 'wanxiang/api/session-cookie/v1', 32))).update(createHash('sha256').update(reader.token).digest()).update(`.${expiresAtS}`).digest('base64url')}`;
    expect(createSessionCookies({ ...options, sessionDays: 30, sessionsFrom: () => undefined }).verify(legacy, now)).toBe(expiresAtS * 1_000);
    expect(month.verify(legacy, now + 2 * 86_400_000 - 1)).toBeNull();
  });

  it('reads one cookie from a Cookie header and writes the Set-Cookie attributes', () => {
    expect(readCookie('a=1; wx_session=123.abc; b=2', 'wx_session')).toBe('123.abc');
    expect(readCookie('wx_session_old=1', 'wx_session')).toBeUndefined();
    expect(readCookie(undefined, 'wx_session')).toBeUndefined();
    expect(sessionCookieHeader('v', 60, false)).toBe('wx_session=v; Max-Age=60; Path=/; HttpOnly; SameSite=Strict');
    expect(sessionCookieHeader('', 0, true)).toBe('wx_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure');
  });
});
