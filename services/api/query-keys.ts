import type { FastifyInstance } from 'fastify';
import { WanxiangError } from '../errors.ts';

/**
 * A request whose route takes no query parameters (a read or an action) refuses any it is given, naming them (conventions:
 * unknown keys are errors): `?form=` for `?from=` is not answered as if nothing were asked. Routes
 * that declare a querystring schema refuse unknown keys by it (every one is a zod strictObject).
 * Decided from the matched route: the pages (/, /review, /desk, /docs) and their files declare
 * `config.pageQuery` and are left alone (their own scripts read the page's query, and a
 * cache-buster on a file asks for nothing); a request that matched no route gets its 404.
 */
export function registerQueryKeyCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    // Actions too (HTTP pass 3): `POST /api/v1/events/:id/dispatch?department=water` was answered 200,
    // dispatched to the route's department, the key never read. Refused here, before the handler acts.
    const { url, config, schema } = request.routeOptions;
    if (url === undefined || config.pageQuery || schema?.querystring) return;
    const keys = Object.keys((request.query ?? {}) as Record<string, unknown>);
    if (keys.length === 0) return;
    // Named as JSON text and cut short: a key is the caller's text (issue 18 item 20).
    const named = keys.slice(0, 5).map((key) => JSON.stringify(key.slice(0, 40))).join(', ');
    throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `query: ${request.method} ${url} takes no query parameters; unknown ${keys.length === 1 ? 'key' : 'keys'} ${named}${keys.length > 5 ? ', …' : ''}`);
  });
}
