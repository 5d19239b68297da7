import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withoutNames } from '../people/names-shown.ts';
import { accessOf } from './access.ts';

/** A value as this request may see it: with people's names for a caller with a credential, roles otherwise. */
export type NamesShown = <T>(request: FastifyRequest, value: T) => T;

/**
 * Names go only to a caller who presented a credential (a token of any role or a session); an
 * anonymous reader of an open read sees who acted by role (services/people/names-shown.ts).
 */
export const namesShownTo = (signedIn: (request: FastifyRequest) => boolean): NamesShown =>
  (request, value) => (signedIn(request) ? value : withoutNames(value));

/**
 * Every JSON answer of a route anyone may call (`public`, `read`) passes through the one redaction
 * before it is serialised: a route added later is covered without a line of its own. Answers that
 * are text already (the review history's NDJSON) call `shown` themselves; the event stream is
 * shown per client by its hub (services/live/stream-hub.ts).
 */
export function registerNameRedaction(app: FastifyInstance, shown: NamesShown): void {
  app.addHook('preSerialization', async (request, _reply, payload) => {
    const access = accessOf(request.routeOptions.config);
    return access === 'public' || access === 'read' ? shown(request, payload) : payload;
  });
}
