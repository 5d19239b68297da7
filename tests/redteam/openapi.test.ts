import { Validator } from '@seriousme/openapi-schema-validator';
import type { RouteOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApi, type ApiDeps } from '../../services/api/build-api.ts';
import { openApiTags } from '../../services/api/openapi-tags.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createTopics } from '../../services/topics.ts';

type Operation = { tags?: string[]; security?: Array<Record<string, string[]>>; responses: Record<string, { description?: string }>; summary?: string; description?: string };
type Document = { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

/** The API as the platform builds it (over our own interfaces: no route handler runs beyond its access check). */
function build(readAccess: 'open' | 'token') {
  const app = buildApi({
    auth: { readAccess, tokens: [{ role: 'reader', token: 'reader-token-0123456789abcdef' }] },
    metrics: createMetrics(),
    registry: { devices: [], device: () => undefined, file: { observers: [] } },
    // Events (issue 23): their routes are in the table; no handler runs, so the service is never asked.
    events: {},
    // Review marks (issue 22): their routes and the review page are in the table too.
    review: {},
    ingest: { stuck: { stuckAfter: 10 } },
    // The backfill window's admin routes (audit of issue 21: they were under no tag).
    backfillWindow: { current: null, maxAgeMs: 3_600_000, open: () => null, close: () => undefined },
    mqttAuth: { topics: createTopics('luohu'), ingestUser: 'wanxiang-ingest', ingestSecret: 'ingest-secret-0123456789', brokerSecret: 'broker-secret-0123456789abcdef0123456789' },
  } as unknown as ApiDeps);
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => void routes.push(route));
  // After the Host check, the access control and a route's own credential check: a request they let through is answered here, no handler runs.
  app.addHook('preHandler', async (_request, reply) => reply.code(299).send());
  return { app, routes };
}

const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const sampleUrl = (url: string) => url.replace(':id', 'x').replace(':file', 'app.js').replace('*', 'x');

/**
 * Issue 21 item 7: the document is complete. The route table is walked: a route that refuses a
 * request without a credential (asked, not assumed) must declare a security scheme in the document,
 * and one that does not refuse must not; every operation has an area's tag and every response a description.
 */
describe('the OpenAPI document against the route table', () => {
  for (const readAccess of ['token', 'open'] as const) {
    it(`declares security exactly on the routes that refuse an anonymous request (read access ${readAccess})`, async () => {
      const { app, routes } = build(readAccess);
      await app.ready();
      try {
        const document = (app as unknown as { swagger(): Document }).swagger();
        const documented = routes.filter((route) => !(route.schema as { hide?: boolean } | undefined)?.hide && route.method !== 'HEAD' && !String(route.url).startsWith('/docs'));
        expect(documented.length).toBeGreaterThan(20);
        const problems: string[] = [];
        for (const route of documented) {
          for (const method of [route.method].flat()) {
            const operation = document.paths[openApiPath(route.url)]?.[method.toLowerCase()];
            const name = `${method} ${route.url}`;
            if (!operation) {
              problems.push(`${name}: not in the document`);
              continue;
            }
            const anonymous = await app.inject({ method: method as 'GET', url: sampleUrl(route.url), ...(method === 'POST' ? { payload: {} } : {}) });
            const protectedRoute = anonymous.statusCode === 401;
            const declared = (operation.security ?? []).flatMap((entry) => Object.keys(entry));
            if (protectedRoute && declared.length === 0) problems.push(`${name}: refuses anonymous requests but declares no security`);
            if (!protectedRoute && declared.length > 0) problems.push(`${name}: declares ${declared.join(', ')} but answers ${anonymous.statusCode} without a credential`);
            for (const scheme of declared) if (!(scheme in document.components.securitySchemes)) problems.push(`${name}: unknown scheme ${scheme}`);
            if (protectedRoute && !operation.responses['401']) problems.push(`${name}: no 401 response`);
            const tags = operation.tags ?? [];
            if (tags.length !== 1 || !openApiTags.some((tag) => tag.name === tags[0])) problems.push(`${name}: tags ${JSON.stringify(tags)}`);
            for (const [status, response] of Object.entries(operation.responses)) {
              if (!response.description || response.description === 'Default Response') problems.push(`${name}: response ${status} undescribed`);
            }
          }
        }
        expect(problems).toEqual([]);
        // The operator's actions and, in read access `token`, the reads declare the bearer scheme, so Swagger's "Try it out" sends the token.
        expect(document.paths['/api/v1/alarms/{id}/ack']!.post!.security).toEqual([{ bearer: [] }]);
        expect(document.paths['/api/v1/admin/backfill-window']!.delete!.tags).toEqual(['administration']);
        expect(document.paths['/api/v1/live']!.get!.security).toEqual(readAccess === 'token' ? [{ bearer: [] }, { session: [] }] : undefined);
        expect(document.paths['/api/v1/series']!.get!.description).toMatch(/MEAN.*`min`.*`max`/);
        // Events name people: read with a token or a session even while the district's readings are open.
        expect(document.paths['/api/v1/events/{id}']!.get!.security).toEqual([{ bearer: [] }, { session: [] }]);
        expect(document.paths['/api/v1/events/{id}/resolve']!.post!.security).toEqual([{ bearer: [] }]);
        const result = await new Validator().validate(document as never);
        expect(result.errors ?? []).toEqual([]);
        expect(result.valid).toBe(true);
      } finally {
        await app.close();
      }
    });
  }
});
