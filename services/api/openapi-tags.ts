import type { FastifyInstance, RouteOptions } from 'fastify';
import { accessOf } from './access.ts';

// One tag per area of the API (issue 21 item 7), chosen by the route's declared pattern.
const areas: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/(healthz|metrics)$/, 'health'],
  [/^\/api\/v1\/session$/, 'session'],
  [/^\/api\/v1\/(live|stream|series)$/, 'live'],
  [/^\/api\/v1\/alarms\b/, 'alarms'],
  [/^\/(api\/v1\/(compliance|aqi|reports)\b|report$)/, 'compliance'],
  [/^\/api\/v1\/evaluate$/, 'evaluate'],
  [/^\/api\/v1\/auth\/mqtt\b/, 'broker'],
  [/^\/api\/v1\/(replay|devices\/:id\/\w+|admin\/[\w-]+)$/, 'administration'],
  [/^\/api\/v1\/(devices|rejections|quality|accounting)$/, 'devices'],
  [/^\/(screen\/:file|vendor\/.*|)$/, 'screen'],
  [/^\/(api\/v1\/(events|departments|people)\b|desk$)/, 'events'],
  [/^\/(api\/v1\/review\b|review$)/, 'review'],
];

export const openApiTags = [
  { name: 'live', description: 'The district now: latest readings, tiles, the event stream, time series' },
  { name: 'alarms', description: 'Alarms, their acknowledgement and closing (operator)' },
  { name: 'compliance', description: 'The plan’s targets and the AQI as bulletins give it' },
  { name: 'evaluate', description: 'Lab sheets evaluated against the standards, nothing stored' },
  { name: 'devices', description: 'The registry, refusals, data quality and accounting' },
  { name: 'administration', description: 'Device administration and the backfill window (admin), replays (operator)' },
  { name: 'session', description: 'A screen’s sign-in (session cookie, reads only)' },
  { name: 'health', description: 'Health and Prometheus metrics' },
  { name: 'screen', description: 'The operations-centre screen and its files' },
  { name: 'broker', description: 'EMQX HTTP authentication and authorization (the broker only)' },
  { name: 'events', description: 'Events from alarm to resolution: departments, timelines, actions by named people, figures, the duty desk' },
  { name: 'review', description: 'The officers’ review marks (data invalid, with a reason), their history, suggested marks, the review page' },
] as const;

/** The OpenAPI security a route needs in this read-access mode; null for none. */
export function securityOf(route: Pick<RouteOptions, 'config'>, readAccess: 'open' | 'token'): Array<Record<string, string[]>> | null {
  const access = accessOf(route.config ?? {});
  if (access === 'operator' || access === 'admin' || access === 'officer') return [{ bearer: [] }];
  if ((access === 'read' && readAccess === 'token') || access === 'signed-in') return [{ bearer: [] }, { session: [] }];
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

// What each status means in this API (README, error table), for responses a route did not describe itself.
const statusMeaning: Readonly<Record<string, string>> = {
  200: 'OK', 202: 'Accepted: started in the background', 204: 'No content',
  400: 'WX_ERR_INVALID_ARGUMENT (or another 400 code): a parameter or the body is invalid; the message names it',
  401: 'WX_ERR_UNAUTHORIZED: no credential, or one that is not this platform’s',
  403: 'WX_ERR_FORBIDDEN: the token’s role does not allow this',
  404: 'WX_ERR_NOT_FOUND (or WX_ERR_ALARM_NOT_FOUND): no such resource',
  409: 'WX_ERR_ALARM_STATE: the alarm is not in a state that allows this',
  413: 'WX_ERR_PAYLOAD_TOO_LARGE or WX_ERR_TOO_MANY_ROWS: the body is too large',
  415: 'WX_ERR_UNSUPPORTED_MEDIA_TYPE: the body’s content type is not read here',
  429: 'WX_ERR_LOGIN_THROTTLED (wrong credentials from this address) or WX_ERR_TOO_MANY_CONNECTIONS',
  502: 'WX_ERR_INFLUX_REJECTED: InfluxDB refused the query (its text is logged, not answered)',
  503: 'Unavailable: InfluxDB unreachable or its database missing (dropped), or no alarm leader in a cluster',
};
const errorJsonSchema = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] };

/**
 * Every response of a documented route described (issue 21 item 7): a response schema without a
 * description gets its status's meaning, and a protected route lists its 401 (and 403 for a role,
 * 429 for the throttle) even where the route's own schema did not.
 */
export function describeResponses(schema: Record<string, unknown>): Record<string, unknown> {
  const response = { ...((schema.response as Record<string, Record<string, unknown>> | undefined) ?? { 200: { description: 'OK' } }) };
  const security = schema.security as Array<Record<string, string[]>> | undefined;
  if (security?.length) {
    response[401] ??= { ...errorJsonSchema };
    response[429] ??= { ...errorJsonSchema };
    if (security.some((entry) => 'bearer' in entry) && !security.some((entry) => 'session' in entry)) response[403] ??= { ...errorJsonSchema };
  }
  for (const [status, entry] of Object.entries(response)) {
    if (!entry.description) response[status] = { ...entry, description: statusMeaning[status] ?? `HTTP ${status}` };
  }
  return { ...schema, response };
}
