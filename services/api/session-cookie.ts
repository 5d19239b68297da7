import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** The cookie a screen signs in with (POST /api/v1/session); it grants reads only. */
export const sessionCookieName = 'wx_session';

// The label of the derived key: another use of the fleet key gets another label, so no two
// uses ever share a key (RFC 5869 §3.2, the `info` input binds the key to its purpose).
const keyLabel = 'wanxiang/api/session-cookie/v1';
const dayS = 86_400;

export interface SessionCookieOptions {
  /** The installation's fleet key (config.fleetKey); the MAC key is derived from it, never it raw. */
  readonly secret: string;
  /** Tokens that may sign in: any configured token, whatever its role. */
  readonly tokens: ReadonlyArray<{ readonly token: string }>;
  /**
   * SHA-256 digests of further tokens that may sign in, as they are now: the users file's people
   * (issue 23 item 1, services/people). Asked at each sign-in and check, so a disabled or rotated
   * person's sessions end with the token.
   */
  readonly digests?: () => readonly Buffer[];
  /** When the person of a signing digest was last enabled (People.sessionsFrom): cookies signed before it are refused. */
  readonly sessionsFrom?: (signer: Buffer) => number | undefined;
  readonly sessionDays: number;
  /** A cookie signed out before its expiry (services/api/session-revocations.ts), told its canonical spelling and the digest of the token that signed it. */
  readonly isRevoked?: (value: string, signer: Buffer, expiresAtMs: number) => boolean;
}

export interface SessionCookies {
  /** The cookie's value for a presented token, or null when the token is not configured. */
  issue(token: string, nowMs?: number): { value: string; expiresAtMs: number; maxAgeS: number } | null;
  /** A cookie value signed for the given expiry, for tests that need one already expired. */
  sign(token: string, expiresAtS: number): string;
  /** The expiry (epoch ms) of a valid cookie value, or null: tampered, expired, or its token removed. */
  verify(value: string, nowMs?: number): number | null;
  /** The digest of the token that signed a valid cookie value (revoked or not), or null. */
  signer(value: string, nowMs?: number): Buffer | null;
  /** The one spelling of a cookie value (what revocations are keyed on), or null for a value that is not it. */
  canonical(value: string): string | null;
  /**
   * The expiry written in a cookie value (epoch ms), or null for a value that is not one: a
   * revocation is kept until then, since a session length raised again would revive the cookie.
   */
  writtenExpiryMs(value: string): number | null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();
/** A cookie's one spelling: decimal numbers without leading zeros, the MAC in unpadded base64url. */
const spell = (expiresAtS: number, signedInS: number | undefined, mac: Buffer) => `${expiresAtS}${signedInS === undefined ? '' : `.${signedInS}`}.${mac.toString('base64url')}`;

/**
 * Stateless session cookies: `<expiry, epoch s>.<signed in, epoch s>.<mac>`, where mac = HMAC-SHA256
 * over the signing token's SHA-256 digest, the expiry and the sign-in time, keyed by HKDF(fleet key,
 * label). The sign-in time is the cookie's own, not the expiry less today's session length: a
 * session length lowered after a re-enable would otherwise have let older screens back in.
 * Nothing is stored, so a cookie outlives a restart and is valid on every node of a cluster (one fleet key); it is checked
 * against the tokens configured now, so removing a token revokes every session signed in with it.
 * The token itself never leaves the server: the cookie carries no part of it.
 */
export function createSessionCookies(options: SessionCookieOptions): SessionCookies {
  const key = Buffer.from(hkdfSync('sha256', options.secret, '', keyLabel, 32));
  const configured = options.tokens.map(({ token }) => sha256(token));
  const digests = () => (options.digests ? [...configured, ...options.digests()] : configured);
  // Cookies of earlier versions carry no sign-in time: `<expiry>.<mac>`, the MAC over the expiry alone.
  const mac = (digest: Buffer, expiresAtS: number, signedInS?: number) => createHmac('sha256', key).update(digest).update(signedInS === undefined ? `.${expiresAtS}` : `.${expiresAtS}.${signedInS}`).digest();
  const maxAgeS = options.sessionDays * dayS;

  const enabledAtS = (signer: Buffer) => {
    const from = options.sessionsFrom?.(signer);
    return from === undefined ? -1 : Math.floor(from / 1_000);
  };
  const known = (presented: Buffer) => digests().some((digest) => timingSafeEqual(digest, presented));
  const parse = (value: string) => {
    const match = /^(\d{1,12})(?:\.(\d{1,12}))?\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match) return null;
    const cookie = { expiresAtS: Number(match[1]), signedInS: match[2] === undefined ? undefined : Number(match[2]), presented: Buffer.from(match[3]!, 'base64url') };
    // One spelling per cookie (red team, HTTP pass): `00E.S.M`, `E.0S.M` and a MAC whose last
    // character differs only in bits base64url leaves unused (RFC 4648 §3.5) decode to the same
    // fields, so they verified, and a revocation kept by the text as sent missed them. The fields
    // are written back and must give the text exactly.
    const canonical = spell(cookie.expiresAtS, cookie.signedInS, cookie.presented);
    const sent = Buffer.from(value);
    const written = Buffer.from(canonical);
    return sent.length === written.length && timingSafeEqual(sent, written) ? { ...cookie, canonical } : null;
  };
  // A session lasts as long as sessionDays says now (red team, HTTP pass 3: a cookie signed under
  // 30 days read on for 30 days after the setting was lowered to 1). A cookie of an earlier
  // version does not say when it was signed in: its written expiry is all there is.
  const endsAtMs = (cookie: { expiresAtS: number; signedInS?: number }) =>
    Math.min(cookie.expiresAtS, cookie.signedInS === undefined ? Infinity : cookie.signedInS + maxAgeS) * 1_000;
  const signerOf = (value: string, nowMs: number): Buffer | null => {
    const cookie = parse(value);
    if (!cookie || endsAtMs(cookie) <= nowMs) return null;
    // Every configured token is tried, each in constant time, whatever the outcome.
    let signer: Buffer | null = null;
    for (const digest of digests()) if (timingSafeEqual(mac(digest, cookie.expiresAtS, cookie.signedInS), cookie.presented) && !signer) signer = digest;
    return signer;
  };

  return {
    issue(token, nowMs = Date.now()) {
      const presented = sha256(token);
      if (!known(presented)) return null;
      // A sign-in in the very second of a re-enable counts from the next one, so it is not refused.
      const signedInS = Math.max(Math.floor(nowMs / 1_000), enabledAtS(presented) + 1);
      const expiresAtS = signedInS + maxAgeS;
      return { value: spell(expiresAtS, signedInS, mac(presented, expiresAtS, signedInS)), expiresAtMs: expiresAtS * 1_000, maxAgeS };
    },
    sign(token, expiresAtS) {
      const signedInS = expiresAtS - maxAgeS;
      return spell(expiresAtS, signedInS, mac(sha256(token), expiresAtS, signedInS));
    },
    verify(value, nowMs = Date.now()) {
      const signer = signerOf(value, nowMs);
      if (!signer) return null;
      const cookie = parse(value)!;
      const { signedInS, canonical } = cookie;
      // Signed in no later than the second the person was enabled again; a cookie of an earlier
      // version does not say when it was signed in, so it is refused once the person has been re-enabled.
      const enabledAt = enabledAtS(signer);
      if (enabledAt >= 0 && (signedInS === undefined || signedInS <= enabledAt)) return null;
      // Revocations are kept and looked up by the canonical spelling, whatever spelling was sent.
      return options.isRevoked?.(canonical, signer, cookie.expiresAtS * 1_000) ? null : endsAtMs(cookie);
    },
    signer: (value, nowMs = Date.now()) => signerOf(value, nowMs),
    canonical: (value) => parse(value)?.canonical ?? null,
    writtenExpiryMs: (value) => {
      const cookie = parse(value);
      return cookie ? cookie.expiresAtS * 1_000 : null;
    },
  };
}

/** The value of one cookie in a Cookie header (RFC 6265 §4.2.1: `name=value` pairs split by `; `). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * The Set-Cookie header of a session (or of its removal, maxAgeS 0): HttpOnly, so no script
 * reads it; SameSite=Strict, so no other site's page sends it; Secure when the request came
 * over TLS (a plain-HTTP screen on the operations-centre network could not send it back otherwise).
 */
export function sessionCookieHeader(value: string, maxAgeS: number, secure: boolean): string {
  return `${sessionCookieName}=${value}; Max-Age=${maxAgeS}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
