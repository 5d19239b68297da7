import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WanxiangError, type ErrorCode } from '../errors.ts';
import { createLoginThrottle } from '../broker/login-throttle.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { readCookie, sessionCookieName, type SessionCookies } from './session-cookie.ts';

export type Role = 'reader' | 'operator' | 'admin' | 'officer';
// officer (issue 22): reads, and takes review marks; its routes also check the role by name, so an operator cannot mark.
const rank: Record<Role, number> = { reader: 1, officer: 1.5, operator: 2, admin: 3 };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a route needs; reads need none unless read access is `token`. */
    role?: Role;
    /** The sign-in itself (POST/DELETE /api/v1/session): it checks the token it is given, so no role. */
    noAuth?: boolean;
  }
}

export interface AuthOptions {
  readonly readAccess: 'open' | 'token';
  readonly tokens: ReadonlyArray<{ role: Role; token: string }>;
  /** How long a screen's session cookie lasts (config http.sessionDays; 30 when not given). */
  readonly sessionDays?: number;
}

/** What a request presents: its bearer token's role, and its session cookie's expiry when valid. */
export interface Auth {
  bearerRole(request: FastifyRequest): Role | null;
  sessionExpiresAtMs(request: FastifyRequest): number | null;
  /** Throws WX_ERR_LOGIN_THROTTLED (429) when the request's address is past its failed tokens. */
  assertNotThrottled(request: FastifyRequest): void;
  /** A token presented and refused: counted, and held against the address. */
  refused(request: FastifyRequest): void;
}

/** Failed tokens an address may present in a minute before its tokens wait (the broker's logins wait the same way). */
export const apiFailuresPerMinute = 20;

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Bearer tokens with roles, compared in constant time over their digests; never logged. A valid
 * session cookie (POST /api/v1/session) stands in for a reader token and for nothing more: an
 * operator or admin action still needs the Authorization header, which no other site's page can
 * make a browser send, so the write paths need no CSRF tokens (OWASP CSRF Prevention Cheat Sheet,
 * "Employing custom request headers").
 */
export function registerAuth(app: FastifyInstance, options: AuthOptions, sessions?: SessionCookies, metrics?: Metrics): Auth {
  const known = options.tokens.map(({ role, token }) => ({ role, digest: digest(token) }));
  const throttle = createLoginThrottle({ windowMs: 60_000 });
  const count = (code: ErrorCode) => metrics?.apiAuthFailures.inc({ code });
  const assertNotThrottled = (request: FastifyRequest) => {
    if (!throttle.isThrottled(request.ip, apiFailuresPerMinute)) return;
    count('WX_ERR_LOGIN_THROTTLED');
    throw new WanxiangError('WX_ERR_LOGIN_THROTTLED', `${request.ip} presented ${apiFailuresPerMinute} refused tokens within a minute; its tokens wait`, { value: request.ip });
  };
  const refused = (request: FastifyRequest) => {
    throttle.recordFailure(request.ip);
    count('WX_ERR_UNAUTHORIZED');
  };
  const bearerRole = (request: FastifyRequest): Role | null => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) return null;
    const presented = digest(match[1]!);
    return known.find((entry) => timingSafeEqual(entry.digest, presented))?.role ?? null;
  };
  const sessionExpiresAtMs = (request: FastifyRequest): number | null => {
    const value = readCookie(request.headers.cookie, sessionCookieName);
    return value && sessions ? sessions.verify(value) : null;
  };

  app.addHook('onRequest', async (request, reply) => {
    const url = request.url.split('?')[0]!;
    const config = request.routeOptions.config;
    if (config.noAuth) return;
    const needed = config.role ?? (options.readAccess === 'token' && url.startsWith('/api/') ? 'reader' : null);
    if (!needed) return;
    const presented = request.headers.authorization !== undefined;
    // A guesser gets a handful of tries a minute from one address, not thousands; a request with no token is not held up.
    if (presented) assertNotThrottled(request);
    const role = bearerRole(request);
    if (!role && needed === 'reader' && !presented && sessionExpiresAtMs(request) !== null) return;
    if (!role) {
      if (presented) refused(request);
      else count('WX_ERR_UNAUTHORIZED');
      reply.header('www-authenticate', 'Bearer realm="wanxiang"');
      throw new WanxiangError('WX_ERR_UNAUTHORIZED', `${request.method} ${url} needs a bearer token${needed === 'reader' ? ' or a session (POST /api/v1/session)' : ''}`);
    }
    if (rank[role] < rank[needed]) {
      count('WX_ERR_FORBIDDEN');
      throw new WanxiangError('WX_ERR_FORBIDDEN', `${request.method} ${url} needs the ${needed} role; the token is ${role}`);
    }
  });
  return { bearerRole, sessionExpiresAtMs, assertNotThrottled, refused };
}

/** Headers every answer carries (HTML pages above all): no framing, no sniffing, no referrer, own origin only. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
    reply.header('cross-origin-opener-policy', 'same-origin');
    return payload;
  });
}
