import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Auth, AuthOptions } from './auth.ts';
import { errorSchema } from './live-schemas.ts';
import { readCookie, sessionCookieHeader, sessionCookieName, type SessionCookies } from './session-cookie.ts';
import type { SessionRevocations } from './session-revocations.ts';

export interface SessionRouteDeps {
  readonly auth: Auth;
  readonly options: AuthOptions;
  readonly sessions: SessionCookies;
  readonly revocations: SessionRevocations;
}

const signInBody = z.strictObject({ token: z.string().min(1).max(512).describe('any configured token: reader, operator or admin') });
const statusSchema = z.object({
  readAccess: z.enum(['open', 'token']).describe('`token`: reads need a bearer token or a session'),
  canRead: z.boolean().describe('whether this request may read (reads are open, or it carries a valid token or session)'),
  expiresAtMs: z.number().nullable().describe('when the session cookie this request carries runs out, epoch ms; null without a valid one'),
});
const noContent = z.null().describe('no body; the Set-Cookie header carries the session');

/**
 * A body that is not JSON (a form post from another site's page above all: browsers send forms as
 * urlencoded or multipart, never application/json, so no page can sign a screen in as someone else),
 * or one that is too large: 400 or 413 with its code. Anything else goes on to the API's handler.
 */
function unreadableBody(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ code: 'WX_ERR_PAYLOAD_TOO_LARGE', message: 'a sign-in body is at most 4 KiB' });
  if (error.code?.startsWith('FST_ERR_CTP')) {
    return reply.code(400).send({ code: 'WX_ERR_INVALID_ARGUMENT', message: 'the body must be JSON: {"token": "..."}' });
  }
  throw error;
}

/**
 * The screen's session: GET says whether this browser may read, POST signs in with a token (a
 * session cookie that grants reads only), DELETE signs out. A browser's EventSource cannot send an
 * Authorization header (WHATWG HTML §9.2, the EventSource constructor takes only a URL and
 * withCredentials), but it does send the same-origin cookie.
 */
export function registerSessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  // Over TLS, or behind a proxy that ended TLS and says so: a client that fakes the header only
  // gets a cookie its own plain-HTTP requests will not carry.
  const secure = (request: FastifyRequest) => request.protocol === 'https' || /^https\b/i.test(String(request.headers['x-forwarded-proto'] ?? ''));

  api.get('/api/v1/session', {
    config: { access: 'public' },
    schema: { summary: 'Whether this browser may read, and when its session runs out', response: { 200: statusSchema } },
  }, async (request, reply) => {
    const expiresAtMs = deps.auth.sessionExpiresAtMs(request);
    const canRead = deps.options.readAccess === 'open' || deps.auth.bearerRole(request) !== null || expiresAtMs !== null;
    reply.header('cache-control', 'no-store');
    return { readAccess: deps.options.readAccess, canRead, expiresAtMs };
  });

  api.post('/api/v1/session', {
    config: { access: 'public' },
    bodyLimit: 4_096,
    schema: {
      summary: 'Sign a screen in: a session cookie (HttpOnly, SameSite=Strict) that grants reads, for http.sessionDays',
      body: signInBody,
      response: { 204: noContent, 400: errorSchema, 401: errorSchema, 413: errorSchema, 429: errorSchema },
    },
    errorHandler: unreadableBody,
  }, async (request, reply) => {
    // The token first: a right one signs in even from an address past its failures (issue 18 item 6),
    // unless the address has its most wrong-token answers held (nothing is checked then: red team 13).
    deps.auth.refuseWhileHolding(request, reply);
    const session = deps.sessions.issue(request.body.token);
    if (!session) return deps.auth.refuse(request, reply, 'the token is not one of this platform’s tokens');
    return reply.code(204).header('cache-control', 'no-store').header('set-cookie', sessionCookieHeader(session.value, session.maxAgeS, secure(request))).send(null);
  });

  api.delete('/api/v1/session', {
    config: { access: 'public' },
    schema: { summary: 'Sign a screen out: the session cookie is revoked on the server until its expiry, and cleared', response: { 204: noContent } },
  }, async (request, reply) => {
    // Revoked, not only cleared (issue 18 item 12): a copy of the cookie taken earlier reads no more.
    const value = readCookie(request.headers.cookie, sessionCookieName);
    const expiresAtMs = deps.auth.sessionExpiresAtMs(request);
    const signer = value ? deps.sessions.signer(value) : null;
    // Kept by its one spelling, the one every check looks up (session-cookie.ts parse).
    const canonical = value ? deps.sessions.canonical(value) : null;
    // Kept until the expiry the cookie carries, which a session length raised again would give back to it.
    const writtenExpiryMs = value ? deps.sessions.writtenExpiryMs(value) : null;
    if (canonical && signer && expiresAtMs !== null && writtenExpiryMs !== null) await deps.revocations.revoke(canonical, writtenExpiryMs, signer);
    return reply.code(204).header('cache-control', 'no-store').header('set-cookie', sessionCookieHeader('', 0, secure(request))).send(null);
  });
}
