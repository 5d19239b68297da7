import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics/metrics.ts';

/** A catalogue code at the head of an answer's JSON body (every refusal is `{"code":"WX_ERR_…",…}`). */
const codeOf = (payload: unknown): string => {
  const text = typeof payload === 'string' ? payload.slice(0, 80) : Buffer.isBuffer(payload) ? payload.toString('latin1', 0, 80) : '';
  return /^\{"code":"(WX_ERR_[A-Z0-9_]{1,60})"/.exec(text)?.[1] ?? 'other';
};

/**
 * Every client error the API answers (4xx), counted by its code and the route pattern that matched
 * ("none": no route did), so that bad input is counted wherever it is refused: a query argument out
 * of range, a body that is not JSON, an unknown event, a wrong token, a path no route has. The
 * label values are bounded: the catalogue's codes and the routes' patterns, never the request's
 * text. Answers written before any route or hook (a URL the router refuses, Node's parser
 * refusals) are counted where they are written (answerRouterRefusal, httpConnectionsClosed).
 */
export function registerRefusalCount(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const status = reply.statusCode;
    if (status >= 400 && status < 500) metrics.apiRefusals.inc({ code: codeOf(payload), route: request.routeOptions.url ?? 'none' });
    return payload;
  });
}
