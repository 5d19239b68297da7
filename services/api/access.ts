import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import { WanxiangError } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { roleRank, type Auth, type Role } from './auth.ts';

/**
 * Who may call a route, declared on the route itself (`config: { access }`):
 * - `public`: anyone (the screen's page and files, the sign-in, the health summary);
 * - `read`: anyone while reads are open; in read access `token`, a token of any role or a session;
 * - `operator`, `admin`: a bearer token of at least that role;
 * - `signed-in`: a token of any role or a session, whatever the read access: reads that name
 *   people (events and their timelines, issue 23), which open reads of the district do not open;
 *   a `department` token passes and the route narrows what it sees to its own department's;
 * - `broker`: the route checks its own credential (the EMQX HTTP-auth endpoint's header secret);
 * - `officer`: an officer's or an admin's bearer token, by name (issue 22: review marks; an operator may not mark).
 * A route that declares nothing is a read: a route added without thought is closed, never open.
 */
export type Access = 'public' | 'read' | 'signed-in' | 'broker' | 'officer' | 'operator' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route (services/api/access.ts); `read` when not given. */
    access?: Access;
    /**
     * A page or a file of one: its own scripts read the query (or it is a cache-buster), so unknown
     * query keys are not refused here (services/api/query-keys.ts).
     */
    pageQuery?: boolean;
  }
}

export interface AccessOptions {
  readonly readAccess: 'open' | 'token';
  readonly auth: Auth;
  readonly metrics?: Metrics;
}

/** The access a matched route declares. */
export const accessOf = (config: FastifyContextConfig): Access => config.access ?? 'read';

/** What a request needs to present for a route: a role, or nothing. */
function neededRole(access: Access, readAccess: 'open' | 'token'): Role | null {
  if (access === 'public' || access === 'broker') return null;
  if (access === 'read') return readAccess === 'token' ? 'reader' : null;
  if (access === 'signed-in') return 'reader';
  return access;
}

/** Whether a role may call a route that needs `needed`: by rank, except the officer's routes (issue 22), by name. */
const admits = (role: Role, needed: Role): boolean =>
  needed === 'officer' ? role === 'officer' || role === 'admin' : roleRank[role] >= roleRank[needed];

/** The route's pattern for messages (`/api/v1/alarms/:id/ack`), never the request's own URL text. */
const routeName = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url ?? ''}`;

/**
 * Access decided from the route the router matched (its declared config) and the credential,
 * never from the URL's text: the router decodes `%61pi`, takes absolute-form targets
 * (`GET http://x/api/v1/live`), and whatever it matches carries its route's own rule (issue 18 item 1).
 * An unmatched request goes on to the not-found handler, which names no route.
 * The credential is checked before any throttle: a right token is never held up by others' wrong ones (item 6).
 */
export function registerAccessControl(app: FastifyInstance, options: AccessOptions): void {
  const { auth } = options;
  const count = (code: 'WX_ERR_UNAUTHORIZED' | 'WX_ERR_FORBIDDEN') => options.metrics?.apiAuthFailures.inc({ code });
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return;
    const access = accessOf(request.routeOptions.config);
    const needed = neededRole(access, options.readAccess);
    if (!needed) {
      // A route that needs no credential still meets a wrong bearer token as every other route does:
      // counted and held against its address (red team, HTTP pass: GET /api/v1/session, /healthz,
      // the names' redaction and the stream's slots asked bearerRole() and guessing there cost
      // nothing). Another scheme (a proxy's Basic) is not ours to judge where none is needed, nor
      // the EMQX endpoint's, which checks its own header.
      if (access !== 'broker' && /^bearer\b/i.test(request.headers.authorization ?? '')) {
        auth.refuseWhileHolding(request, reply);
        if (!auth.bearerRole(request)) await auth.refuse(request, reply, `this bearer token is not one of this platform's tokens (${routeName(request)} needs none: send none)`);
      }
      return;
    }
    const presented = request.headers.authorization !== undefined;
    // An address with its most wrong-token answers held has nothing checked until they are sent.
    if (presented) auth.refuseWhileHolding(request, reply);
    const role = presented ? auth.bearerRole(request) : null;
    // A wrong credential is never ignored, not even next to a valid session cookie.
    if (presented && !role) await auth.refuse(request, reply, `${routeName(request)} needs a valid bearer token; this one is not one of this platform's tokens`);
    if (!role && needed === 'reader' && auth.sessionExpiresAtMs(request) !== null) return;
    if (!role) {
      count('WX_ERR_UNAUTHORIZED');
      reply.header('www-authenticate', 'Bearer realm="wanxiang"');
      // A new user's first action: say that no token exists yet, not only that one is missing.
      const none = auth.anyTokens() ? '' : '; this platform has no tokens yet: give it some with WX_API_TOKENS or `wanxiang users add` (docs/operators.md)';
      throw new WanxiangError('WX_ERR_UNAUTHORIZED', `${routeName(request)} needs a bearer token${needed === 'reader' ? ' or a session (POST /api/v1/session)' : ''}${none}`);
    }
    if (!admits(role, needed)) {
      count('WX_ERR_FORBIDDEN');
      throw new WanxiangError('WX_ERR_FORBIDDEN', `${routeName(request)} needs the ${needed} role; the token is ${role}`);
    }
  });
}
