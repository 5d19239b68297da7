import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WanxiangError } from '../errors.ts';

export type Role = 'reader' | 'operator' | 'admin';
const rank: Record<Role, number> = { reader: 1, operator: 2, admin: 3 };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a route needs; reads need none unless read access is `token`. */
    role?: Role;
  }
}

export interface AuthOptions {
  readonly readAccess: 'open' | 'token';
  readonly tokens: ReadonlyArray<{ role: Role; token: string }>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Bearer tokens with roles, compared in constant time over their digests; never logged. */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const known = options.tokens.map(({ role, token }) => ({ role, digest: digest(token) }));
  const roleOf = (request: FastifyRequest): Role | null => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) return null;
    const presented = digest(match[1]!);
    return known.find((entry) => timingSafeEqual(entry.digest, presented))?.role ?? null;
  };

  app.addHook('onRequest', async (request, reply) => {
    const url = request.url.split('?')[0]!;
    const needed = request.routeOptions.config.role ?? (options.readAccess === 'token' && url.startsWith('/api/') ? 'reader' : null);
    if (!needed) return;
    const role = roleOf(request);
    if (!role) {
      reply.header('www-authenticate', 'Bearer realm="wanxiang"');
      throw new WanxiangError('WX_ERR_UNAUTHORIZED', `${request.method} ${url} needs a bearer token`);
    }
    if (rank[role] < rank[needed]) throw new WanxiangError('WX_ERR_FORBIDDEN', `${request.method} ${url} needs the ${needed} role; the token is ${role}`);
  });
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
