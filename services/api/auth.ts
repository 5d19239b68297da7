import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addressKey, createExemption } from '../address-key.ts';
import { WanxiangError, type ErrorCode } from '../errors.ts';
import { createLoginThrottle } from '../broker/login-throttle.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { readCookie, sessionCookieName, type SessionCookies } from './session-cookie.ts';
import { bearerToken } from '../people/bearer-token.ts';
import { createPeople, type People, type Person } from '../people/people.ts';

// A department reads as a reader does; its events are narrowed to its own in the event routes
// (issue 23, item 3). The officer (issue 22) reads and takes review marks, and nothing an operator
// does; an operator may not mark: access 'officer' admits officers and admins by name (access.ts), not by rank.
export type Role = 'reader' | 'department' | 'officer' | 'operator' | 'admin';
/** Each role may do what the roles below it may (the officer's marks are access.ts's, by name). */
export const roleRank: Readonly<Record<Role, number>> = { reader: 1, department: 1, officer: 1.5, operator: 2, admin: 3 };

export interface AuthOptions {
  readonly readAccess: 'open' | 'token';
  readonly tokens: ReadonlyArray<{ role: Role; token: string; name?: string }>;
  /** Who a token is (services/people: named tokens and the users file); from `tokens` alone when absent. */
  readonly people?: Pick<People, 'resolve' | 'byDigest'> & Partial<Pick<People, 'fileDigests' | 'sessionsFrom'>>;
  /** How long a screen's session cookie lasts (config http.sessionDays; 30 when not given). */
  readonly sessionDays?: number;
  // Issue 18 (config http.*): the Host check and the event stream's limits; defaults when not given.
  readonly host?: string;
  readonly allowedHosts?: readonly string[];
  readonly streamsPerAddress?: number;
  readonly streamSlotsForSignedIn?: number;
  readonly streamsPerCredential?: number;
  readonly maxStreams?: number;
  // The red-team pass on the HTTP API (config http.*): slow clients and connections per address.
  readonly requestTimeoutMs?: number;
  readonly clientIdleMs?: number;
  readonly connectionsPerAddress?: number;
  readonly connectionLimitExempt?: readonly string[];
  /** How long a wrong token from an address past its failures waits for its 429 (http.wrongTokenDelayMs; 1,000 when not given). */
  readonly wrongTokenDelayMs?: number;
  /** Those held answers an address may have waiting at once (http.wrongTokensHeldPerAddress; 32 when not given). */
  readonly wrongTokensHeldPerAddress?: number;
}

/** What a request presents: its bearer token's role, and its session cookie's expiry when valid. */
export interface Auth {
  bearerRole(request: FastifyRequest): Role | null;
  /** The person the bearer token stands for (issue 23, item 1): the name actions record. */
  bearerPerson(request: FastifyRequest): Person | null;
  sessionExpiresAtMs(request: FastifyRequest): number | null;
  /**
   * The person a request reads as: its bearer token's, else the person whose token signed its valid
   * session cookie (red team, HTTP pass: a department's session read every department's events),
   * else null. Reads only: an action still takes the bearer token's person (access.ts).
   */
  person(request: FastifyRequest): Person | null;
  /**
   * A token presented and found wrong: counted and held against the address, then thrown as
   * WX_ERR_UNAUTHORIZED, or WX_ERR_LOGIN_THROTTLED once the address is past its failures a minute,
   * held back for http.wrongTokenDelayMs first. Only a wrong credential ever lands here: a right one
   * is checked first and never waits (issue 18 item 6).
   */
  refuse(request: FastifyRequest, reply: FastifyReply, message: string): Promise<never>;
  /**
   * Called before a presented token is checked: throws WX_ERR_LOGIN_THROTTLED, the token unchecked,
   * while the request's address has http.wrongTokensHeldPerAddress wrong-token answers held.
   */
  refuseWhileHolding(request: FastifyRequest, reply: FastifyReply): void;
  /** Whether any token may be presented at all (configured ones, or the users file's people). */
  anyTokens(): boolean;
}

/** Failed tokens an address may present in a minute before its tokens wait (the broker's logins wait the same way). */
export const apiFailuresPerMinute = 20;

/**
 * Bearer tokens with roles, compared in constant time over their digests; never logged. A valid
 * session cookie (POST /api/v1/session) stands in for a reader token and for nothing more: an
 * operator or admin action still needs the Authorization header, which no other site's page can
 * make a browser send, so the write paths need no CSRF tokens (OWASP CSRF Prevention Cheat Sheet,
 * "Employing custom request headers").
 */
export function createAuth(options: AuthOptions, sessions?: SessionCookies, metrics?: Metrics): Auth {
  const people = options.people ?? createPeople({ tokens: options.tokens });
  const throttle = createLoginThrottle({ windowMs: 60_000 });
  const count = (code: ErrorCode) => metrics?.apiAuthFailures.inc({ code });
  const wrongTokenDelayMs = options.wrongTokenDelayMs ?? 1_000;
  const heldPerAddress = options.wrongTokensHeldPerAddress ?? 32;
  // Wrong-token answers waiting their delay, per address (an address leaves the map with its last one).
  const held = new Map<string, number>();
  const hold = async (address: string) => {
    held.set(address, (held.get(address) ?? 0) + 1);
    try {
      await delay(wrongTokenDelayMs);
    } finally {
      const left = (held.get(address) ?? 1) - 1;
      if (left > 0) held.set(address, left);
      else held.delete(address);
    }
  };
  const throttledMessage = `${apiFailuresPerMinute} or more wrong tokens came from this address within a minute; wrong tokens are refused as throttled, a right one is still taken`;
  // The addresses the connection cap spares (loopback: a reverse proxy on this host, whose clients all
  // have its address, the wall, local tools) never have a token refused unchecked: a guesser there
  // would hold back everyone's right tokens. Their wrong ones are still held; limit at the proxy.
  const spared = createExemption(options.connectionLimitExempt ?? ['127.0.0.1', '::1', '::ffff:127.0.0.1']);
  const refuseWhileHolding = (request: FastifyRequest, reply: FastifyReply): void => {
    // Counted per address key (an IPv6 /64 is one: address-key.ts), spared by the exact address.
    if ((held.get(addressKey(request.ip)) ?? 0) < heldPerAddress || spared(request.ip)) return;
    // Each request was held on its own: 300 guesses pipelined on one connection were all checked
    // within one delay (30,000 in 9 s, each held in memory), and a guesser that gave up on its
    // answers after 50 ms (a right one comes at once) was not slowed at all (red team 13). An
    // address's checks are now bounded by what it has held: past that, nothing is checked.
    count('WX_ERR_LOGIN_THROTTLED');
    reply.header('www-authenticate', 'Bearer realm="wanxiang"').header('retry-after', String(Math.max(1, Math.ceil(wrongTokenDelayMs / 1_000))));
    throw new WanxiangError('WX_ERR_LOGIN_THROTTLED', `${throttledMessage}; this address has ${heldPerAddress} wrong-token answers waiting, so this token was not checked: send it again once they are answered`);
  };
  const refuse = async (request: FastifyRequest, reply: FastifyReply, message: string): Promise<never> => {
    // Failures are held per address: past the limit a wrong token is answered 429, saying why, so a
    // guesser is visible (metric, code) while the right token from the same address still reads.
    const key = addressKey(request.ip);
    const throttled = throttle.isThrottled(key, apiFailuresPerMinute);
    throttle.recordFailure(key);
    reply.header('www-authenticate', 'Bearer realm="wanxiang"');
    if (throttled) {
      count('WX_ERR_LOGIN_THROTTLED');
      // Every token is still checked (a right one is never refused unchecked), so the answer is what
      // is held: a guesser waiting for each answer got about 1,000 guesses a second (red team 11);
      // an address has at most http.wrongTokensHeldPerAddress of them waiting (refuseWhileHolding).
      await hold(key);
      reply.header('retry-after', '60');
      throw new WanxiangError('WX_ERR_LOGIN_THROTTLED', throttledMessage);
    }
    count('WX_ERR_UNAUTHORIZED');
    throw new WanxiangError('WX_ERR_UNAUTHORIZED', message);
  };
  const bearerPerson = (request: FastifyRequest): Person | null => {
    const token = bearerToken(request.headers.authorization);
    return token === null ? null : people.resolve(token);
  };
  const bearerRole = (request: FastifyRequest): Role | null => bearerPerson(request)?.role ?? null;
  const sessionExpiresAtMs = (request: FastifyRequest): number | null => {
    const value = readCookie(request.headers.cookie, sessionCookieName);
    return value && sessions ? sessions.verify(value) : null;
  };
  // The cookie's MAC is keyed to the digest of the token that signed it in: that digest is the person.
  const sessionPerson = (request: FastifyRequest): Person | null => {
    const value = readCookie(request.headers.cookie, sessionCookieName);
    if (!value || !sessions || sessions.verify(value) === null) return null;
    const signer = sessions.signer(value);
    return signer ? people.byDigest(signer) : null;
  };
  const person = (request: FastifyRequest): Person | null => bearerPerson(request) ?? sessionPerson(request);
  const anyTokens = () => options.tokens.length > 0 || (people.fileDigests?.().length ?? 0) > 0;
  return { bearerRole, bearerPerson, sessionExpiresAtMs, person, refuse, refuseWhileHolding, anyTokens };
}

/** Headers every answer carries (HTML pages above all): no framing, no sniffing, no referrer, own origin only. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cross-origin-opener-policy': 'same-origin',
};

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(securityHeaders);
    return payload;
  });
}
