import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { errorCatalogue, isWanxiangError } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { TargetsFile } from '../compliance/targets.ts';
import { registerComplianceRoutes } from './compliance-routes.ts';
import { registerEvaluateRoute } from './evaluate-route.ts';
import { registerAdminRoutes, type AdminRouteDeps } from './admin-routes.ts';
import { registerAuth, registerSecurityHeaders, type AuthOptions } from './auth.ts';

export interface ApiDeps extends AdminRouteDeps {
  readonly auth: AuthOptions;
  readonly metrics: Metrics;
  readonly registry: DeviceRegistry;
  readonly ingest: Ingest;
  readonly influx: InfluxClient;
  readonly targets: TargetsFile;
  readonly describe: () => Record<string, unknown>;
}

/** The HTTP API: built, not started (the composition root listens). */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  // Routes declare their querystring, params, body and response as zod schemas (the same ones
  // that validate them); the OpenAPI document is generated from those schemas.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerSecurityHeaders(app);
  registerAuth(app, deps.auth);

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ code: 'WX_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.slice(0, 200)}` });
  });
  app.setErrorHandler((error, _request, reply) => {
    if (isWanxiangError(error)) return reply.code(error.status).send({ code: error.code, message: error.message });
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status < 500) return reply.code(status).send({ code: 'WX_ERR_NOT_FOUND', message: (error as Error).message });
    app.log.error(error);
    return reply.code(500).send({ code: 'WX_ERR_INTERNAL', message: errorCatalogue.WX_ERR_INTERNAL.summary });
  });

  app.get('/healthz', async (_request, reply) => {
    let influx: Record<string, unknown>;
    try {
      influx = { reachable: true, version: await deps.influx.ping() };
    } catch (error) {
      influx = { reachable: false, code: isWanxiangError(error) ? error.code : 'WX_ERR_INFLUX_UNAVAILABLE' };
    }
    const healthy = influx.reachable === true;
    return reply.code(healthy ? 200 : 503).send({
      status: healthy ? 'ok' : 'degraded',
      influx,
      queuedReadings: deps.ingest.queuedReadings,
      devicesOnline: deps.ingest.presence.online().length,
      ...deps.describe(),
    });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  app.get('/api/v1/devices', async () => ({
    devices: deps.registry.devices.map(({ secretHash: _secretHash, ...device }) => ({ ...device, online: deps.ingest.presence.isOnline(device.id) })),
  }));

  app.get('/api/v1/rejections', async () => ({ byDevice: deps.ingest.rejections.byDevice(), deadLetterFile: deps.ingest.deadLetterPath }));

  app.get('/api/v1/quality', async () => ({ stuckByDevice: deps.ingest.stuck.byDevice() }));

  // Per device and hour: received = written + rejected (by reason) + pending; `gap` flags the rest.
  app.get('/api/v1/accounting', async (request) => {
    const hours = Math.min(168, Math.max(1, Number((request.query as { hours?: string }).hours ?? 24) || 24));
    const unexplained = deps.ingest.accounting.check();
    const rows = deps.ingest.accounting.report(hours);
    return { hours, unexplained, gaps: rows.filter((row) => row.gap !== 0), rows, recovery: deps.ingest.accounting.recovery };
  });

  registerComplianceRoutes(app, deps);
  registerEvaluateRoute(app);
  registerAdminRoutes(app, deps);

  return app;
}
