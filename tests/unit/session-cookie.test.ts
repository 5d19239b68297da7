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
    const [expiry, mac] = cookies.issue(operator.token, now)!.value.split('.') as [string, string];
    for (const value of [`${Number(expiry) + 1}.${mac}`, `${expiry}.${mac.slice(1)}A`, `${expiry}.${mac}=`, `-1.${mac}`, `${expiry}`, '', '1e9.abc']) {
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

  it('reads one cookie from a Cookie header and writes the Set-Cookie attributes', () => {
    expect(readCookie('a=1; wx_session=123.abc; b=2', 'wx_session')).toBe('123.abc');
    expect(readCookie('wx_session_old=1', 'wx_session')).toBeUndefined();
    expect(readCookie(undefined, 'wx_session')).toBeUndefined();
    expect(sessionCookieHeader('v', 60, false)).toBe('wx_session=v; Max-Age=60; Path=/; HttpOnly; SameSite=Strict');
    expect(sessionCookieHeader('', 0, true)).toBe('wx_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure');
  });
});
