import type { FastifyInstance, RouteOptions } from 'fastify';
import { accessOf } from './access.ts';

// One tag per area of the API (issue 21 item 7), chosen by the route's declared pattern.
const areas: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/(healthz|metrics)$/, 'health'],
  [/^\/api\/v1\/session$/, 'session'],
  [/^\/api\/v1\/(live|stream|series)$/, 'live'],
  [/^\/api\/v1\/alarms\b/, 'alarms'],
  [/^\/api\/v1\/(compliance|aqi)$/, 'compliance'],
  [/^\/api\/v1\/evaluate$/, 'evaluate'],
  [/^\/api\/v1\/auth\/mqtt\b/, 'broker'],
  [/^\/api\/v1\/(replay|devices\/:id\/\w+)$/, 'administration'],
  [/^\/api\/v1\/(devices|rejections|quality|accounting)$/, 'devices'],
  [/^\/(screen\/:file|vendor\/.*|)$/, 'screen'],
];

export const openApiTags = [
  { name: 'live', description: 'The district now: latest readings, tiles, the event stream, time series' },
  { name: 'alarms', description: 'Alarms, their acknowledgement and closing (operator)' },
  { name: 'compliance', description: 'The plan’s targets and the AQI as bulletins give it' },
  { name: 'evaluate', description: 'Lab sheets evaluated against the standards, nothing stored' },
  { name: 'devices', description: 'The registry, refusals, data quality and accounting' },
  { name: 'administration', description: 'Device administration (admin) and replays (operator)' },
  { name: 'session', description: 'A screen’s sign-in (session cookie, reads only)' },
  { name: 'health', description: 'Health and Prometheus metrics' },
  { name: 'screen', description: 'The operations-centre screen and its files' },
  { name: 'broker', description: 'EMQX HTTP authentication and authorization (the broker only)' },
] as const;

/** The OpenAPI security a route needs in this read-access mode; null for none. */
export function securityOf(route: Pick<RouteOptions, 'config'>, readAccess: 'open' | 'token'): Array<Record<string, string[]>> | null {
  const access = accessOf(route.config ?? {});
  if (access === 'operator' || access === 'admin') return [{ bearer: [] }];
  if (access === 'read' && readAccess === 'token') return [{ bearer: [] }, { session: [] }];
  if (access === 'broker') return [{ brokerSecret: [] }];
  return null;
}

/**
 * Every route's tag and security in the OpenAPI document, taken from the route's pattern and its
 * declared access (the same config the access control reads), so that the document cannot say a
 * protected route is open: tests/redteam/openapi.test.ts walks the route table against it.
 */
export function registerOpenApiTags(app: FastifyInstance, options: { readAccess: 'open' | 'token' }): void {
  app.addHook('onRoute', (route) => {
    if (!route.schema) return;
    const schema = route.schema as Record<string, unknown>;
    const tag = areas.find(([pattern]) => pattern.test(route.url))?.[1];
    if (tag && !schema.tags) schema.tags = [tag];
    const security = securityOf(route, options.readAccess);
    if (security) schema.security = security;
  });
}
