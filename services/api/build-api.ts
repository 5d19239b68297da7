import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import compress from '@fastify/compress';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorCatalogue, isWanxiangError } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import type { TargetsFile } from '../compliance/targets.ts';
import { registerComplianceRoutes } from './compliance-routes.ts';
import { registerEvaluateRoute } from './evaluate-route.ts';
import { registerAdminRoutes, type AdminRouteDeps } from './admin-routes.ts';
import { narrowDepartmentSeries } from '../metrics/department-series.ts';
import { createAuth, registerSecurityHeaders, type AuthOptions } from './auth.ts';
import type { Logger } from 'pino';
import { registerAccessControl } from './access.ts';
import { registerHostCheck, registerNoStore } from './http-guards.ts';
import { answerClientError, answerFrameworkError, answerRouterRefusal } from './framework-errors.ts';
import { registerRefusalCount } from './refusal-count.ts';
import { registerConnectionLimits, requestTimeoutOptions } from './connection-limits.ts';
import { createStreamAdmission } from './stream-admission.ts';
import { defaultLiveOptions } from '../live/create-live.ts';
import { registerOpenApiTags } from './openapi-tags.ts';
import { familyIds } from '../families/index.ts';
import type { Live } from '../live/create-live.ts';
import { errorSchema } from './live-schemas.ts';
import { registerLiveRoutes } from './live-routes.ts';
import { registerOpenApi } from './openapi.ts';
import { registerScreen } from './screen-static.ts';
import { registerAlarmRoutes, type AlarmRouteDeps } from './alarm-routes.ts';
import { registerEmqxAuthRoutes, type EmqxAuthDeps } from '../cluster/emqx-auth.ts';
import { createSessionCookies } from './session-cookie.ts';
import { createSessionRevocations } from './session-revocations.ts';
import { personOf, registerEventRoutes } from './event-routes.ts';
import { createAdminAudit } from './admin-audit.ts';
import { registerDesk } from './desk-static.ts';
import { registerReviewPage } from './review-static.ts';
import type { EventService } from '../events/event-engine.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { protocolView } from '../hj212/device-view.ts';
import type { StationState } from '../hj212/station-states.ts';
import { registerReviewRoutes } from '../review/review-routes.ts';
import type { ReviewService } from '../review/review-service.ts';
import { registerReportRoutes } from './report-routes.ts';
import { registerFamilyFigureRoutes } from './family-figure-routes.ts';

import type { DiskStatus } from '../data-folder/health.ts';
import type { RegistryRefusal } from '../registry/registry-refusal.ts';
import { registerHealthRoute } from './health-route.ts';
import { seesInternals, viewFor } from './internals-view.ts';
import type { BackfillWindow } from '../ingest/backfill-window.ts';
import { registerBackfillWindowRoutes } from './backfill-window-routes.ts';
import { namesShownTo, registerNameRedaction } from './name-redaction.ts';
import { registerQueryKeyCheck } from './query-keys.ts';


export interface ApiDeps extends AdminRouteDeps, AlarmRouteDeps {
  readonly auth: AuthOptions;
  readonly metrics: Metrics;
  readonly registry: DeviceRegistry;
  readonly ingest: Ingest;
  readonly influx: InfluxClient;
  readonly targets: TargetsFile;
  readonly describe: () => Record<string, unknown>;
  /** The MQTT login and ACL endpoints an external broker (EMQX HTTP auth) asks. */
  readonly mqttAuth?: Omit<EmqxAuthDeps, 'registry' | 'metrics' | 'refuse'>;
  /** Latest readings, tiles and the event stream (the screen's data). */
  readonly live: Live;
  /** The installation's fleet key (config.fleetKey): the screen's session cookies are signed with a key derived from it. */
  readonly fleetKey?: string;
  /** Online anywhere in the cluster (services/cluster/cluster-feed.ts); this node's presence without one. */
  readonly isOnline?: (deviceId: string) => boolean;
  /** What an HJ 212 station's last packet said (services/hj212/receiver.ts); absent without the receiver. */
  readonly station?: (deviceId: string) => StationState | undefined;
  /** Where signed-out session cookies are kept until they expire (in the data folder); in memory without one. */
  readonly sessionRevocationsFile?: string;
  /** Where a 500's error is logged (issue 18 item 13); nowhere without one. */
  readonly log?: Logger;
  /** The data folder's disk (issue 19, item 2); /healthz shows it and is degraded while it is low. */
  readonly disk?: () => DiskStatus | undefined;
  /** Why the registry file on disk was refused (the previous registry in force); /healthz is degraded while it is. */
  readonly registryRefusal?: () => RegistryRefusal | undefined;
  /** Old readings into the running platform for a while (issue 19, item 3), admin only. */
  readonly backfillWindow?: BackfillWindow;
  /** Events, departments and the duty desk's data (issue 23); no event routes without it. */
  readonly events?: EventService;
  /** The events' clock (overdue marks, figures' weeks, the shift); Date.now unless a test moves it. */
  readonly now?: () => number;
  /** The officers' review marks (issue 22); without it the review routes are absent. */
  readonly review?: ReviewService;
}

/**
 * The secret session cookies are signed from: the installation's fleet key, so a cookie outlives a
 * restart and holds on every node of a cluster; for an API built without one, a key of this process.
 */
function sessionSecret(deps: ApiDeps): string {
  return deps.fleetKey ?? randomBytes(32).toString('hex');
}

// Strict query schemas: an unknown or malformed parameter answers 400 naming it (issue 13 item 15).
const accountingQuery = z.strictObject({
  hours: z.string().regex(/^\d{1,3}$/, 'whole hours, 1-168').transform(Number).pipe(z.number().int().min(1).max(168)).default(24)
    .describe('hours back from now, 1-168 (default 24)'),
});
const devicesQuery = z.strictObject({ family: z.enum(familyIds).optional().describe('only devices of this family') });
const anyObject = z.looseObject({});
const recoverySchema = z.object({
  records: z.number(), readings: z.number(), sampled: z.number(), found: z.number(),
  state: z.string().describe('none, pending, reconciled or missing'),
});
// Accounting rows may carry fields added later (recovered, reconciled): the known ones are listed, others pass.
const accountRow = z.looseObject({
  device: z.string(), hour: z.number().describe('start of the hour, epoch ms'), received: z.number(), written: z.number(),
  rejected: z.record(z.string(), z.number()), pending: z.number(), gap: z.number(),
});

/** A validation failure of a route's zod schema, named by where and which parameter. */
function validationMessage(error: { validation: ReadonlyArray<{ instancePath: string; message?: string }>; validationContext?: string }): string {
  return error.validation.map((issue) => {
    const name = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
    return `${error.validationContext ?? 'request'}${name ? ` ${name}` : ''}: ${issue.message ?? 'invalid'}`;
  }).join('; ');
}

/** wanxiang_http_connections_closed_total's reason for each code Node's refusals are answered with. */
const closeReasons: Readonly<Record<string, string>> = { WX_ERR_REQUEST_TIMEOUT: 'request_timeout', WX_ERR_HEADERS_TOO_LARGE: 'headers_too_large', WX_ERR_BAD_REQUEST: 'bad_request' };

const influxCodes: ReadonlySet<string> = new Set(['WX_ERR_INFLUX_REJECTED', 'WX_ERR_INFLUX_UNAVAILABLE', 'WX_ERR_INFLUX_DATABASE_MISSING']);

/** The HTTP API: built, not started (the composition root listens). */
export function buildApi(deps: ApiDeps): FastifyInstance {
  // Fastify 5 sets no request timeout: a slow body held its connection for ever (red team, HTTP pass).
  const timeouts = requestTimeoutOptions(deps.auth.requestTimeoutMs ?? 30_000);
  const app = Fastify({
    logger: false,
    // Answered before any hook: counted here, as the onSend hook counts every other refusal (refusal-count.ts).
    frameworkErrors: (error, request, reply) => {
      if (answerRouterRefusal(error, request, reply) === 'WX_ERR_BAD_TARGET') deps.metrics.apiRefusals.inc({ code: 'WX_ERR_BAD_TARGET', route: 'none' });
    },
    requestTimeout: timeouts.requestTimeout,
    http: timeouts.http,
    clientErrorHandler: (error, socket) => {
      const code = answerClientError(error, socket);
      if (code) deps.metrics.httpConnectionsClosed.inc({ reason: closeReasons[code] ?? 'bad_request' });
    },
  });
  // First of the hooks: a connection refused for its address meets no other.
  registerConnectionLimits(app, { clientIdleMs: deps.auth.clientIdleMs ?? 15_000, perAddress: deps.auth.connectionsPerAddress ?? 256, exempt: deps.auth.connectionLimitExempt ?? ['127.0.0.1', '::1', '::ffff:127.0.0.1'] }, deps.metrics);
  // Routes declare their querystring, params, body and response as zod schemas (the same ones
  // that validate them); the OpenAPI document is generated from those schemas.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerSecurityHeaders(app);
  // Issue 18: the Host first, then access from the matched route; nothing cached unless a route says so.
  registerHostCheck(app, { listenHost: deps.auth.host ?? '127.0.0.1', allowedHosts: deps.auth.allowedHosts ?? [] });
  registerNoStore(app);
  registerRefusalCount(app, deps.metrics);
  const revocations = createSessionRevocations({ file: deps.sessionRevocationsFile });
  app.addHook('onReady', () => revocations.load());
  const sessions = createSessionCookies({ secret: sessionSecret(deps), tokens: deps.auth.tokens, sessionDays: deps.auth.sessionDays ?? 30, isRevoked: revocations.isRevoked, digests: deps.auth.people?.fileDigests, sessionsFrom: deps.auth.people?.sessionsFrom });
  const auth = createAuth(deps.auth, sessions, deps.metrics);
  registerAccessControl(app, { readAccess: deps.auth.readAccess, auth, metrics: deps.metrics });
  const signedIn = (request: FastifyRequest) => auth.bearerRole(request) !== null || auth.sessionExpiresAtMs(request) !== null;
  // People's names only to a caller with a credential; anonymous readers see roles (services/people/names-shown.ts).
  const namesShown = namesShownTo(signedIn);
  registerNameRedaction(app, namesShown);
  // A GET route without query parameters refuses any it is given, naming them (`?form=` for `?from=`).
  registerQueryKeyCheck(app);
  registerOpenApi(app);
  registerOpenApiTags(app, { readAccess: deps.auth.readAccess });
  // Issue 21 (weight): answers over 1 KB gzip/br-compressed when the client accepts it (/api/v1/live,
  // the screen's files, echarts.min.js). The event stream is written raw (hijacked) and stays as is.
  app.register(compress, { globalDecompression: false, threshold: 1024 });

  // The same answer whatever was asked (no echo of the request's text): the route table is in /docs.
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ code: 'WX_ERR_NOT_FOUND', message: `no route for ${request.method} here; the API's routes are listed at /docs` });
  });
  app.setErrorHandler((error, request, reply) => {
    // InfluxDB's own words (its query, its database names) stay in the log; the client gets the code (issue 18 item 20).
    if (isWanxiangError(error) && influxCodes.has(error.code)) {
      deps.log?.warn({ code: error.code, err: error, route: request.routeOptions.url ?? null }, 'InfluxDB failed a request of the API');
      return reply.code(error.status).send({ code: error.code, message: errorCatalogue[error.code].summary });
    }
    // A message naming a file or a URL (a registry or spool error) names it to an operator or admin only (internals-view.ts).
    if (isWanxiangError(error)) return reply.code(error.status).send({ code: error.code, message: viewFor(error.message, seesInternals(auth, request)) as string });
    if (hasZodFastifySchemaValidationErrors(error)) return reply.code(400).send({ code: 'WX_ERR_INVALID_ARGUMENT', message: validationMessage(error) });
    const known = answerFrameworkError(error);
    if (known) return reply.code(known.status).send({ code: known.code, message: known.message });
    // A 500 is logged with its error and the route (never the request's headers), answered without details.
    deps.log?.error({ err: error, method: request.method, route: request.routeOptions.url ?? null }, 'unexpected error answering a request');
    return reply.code(500).send({ code: 'WX_ERR_INTERNAL', message: errorCatalogue.WX_ERR_INTERNAL.summary });
  });

  // Routes in a plugin registered after @fastify/swagger, so that its onRoute hook sees every one.
  app.register(async (scope) => {
    const api = scope.withTypeProvider<ZodTypeProvider>();
    registerHealthRoute(scope, { readAccess: deps.auth.readAccess, ingest: deps.ingest, influx: deps.influx, describe: deps.describe, disk: deps.disk, registryRefusal: deps.registryRefusal, signedIn, seesInternals: (request) => seesInternals(auth, request) });

    api.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format); the departments\' event figures to a signed-in caller only, a department\'s own to a department', produces: ['text/plain'], response: { 200: z.string() } } }, async (request, reply) => {
      reply.header('content-type', deps.metrics.registry.contentType);
      const person = signedIn(request) ? auth.person(request) : null;
      const text = await deps.metrics.registry.metrics();
      if (person && person.role !== 'department') return text;
      return narrowDepartmentSeries(text, (department) => person?.department === department);
    });

    api.get('/api/v1/devices', {
      schema: { summary: 'Devices of the registry (no secrets), with presence', querystring: devicesQuery, response: { 200: z.object({ devices: z.array(anyObject) }), 400: errorSchema } },
    }, async (request) => ({
      // The protocol view replaces `hj212` with the same block minus its PW hash (issue 20).
      devices: deps.registry.devices.filter((device) => !request.query.family || device.family === request.query.family).map(({ secretHash: _secretHash, ...device }) => ({ ...device, online: (deps.isOnline ?? deps.ingest.presence.isOnline)(device.id), ...protocolView(device, deps.station?.(device.id)) })),
    }));

    // The dead-letter file's absolute path is the installation's layout: an operator's or admin's to see (internals-view.ts).
    api.get('/api/v1/rejections', { schema: { summary: 'Refused readings per device and reason; the dead-letter file\'s path to an operator or admin', response: { 200: z.object({ byDevice: z.record(z.string(), z.unknown()), deadLetterFile: z.string().optional() }) } } }, async (request) => ({ byDevice: deps.ingest.rejections.byDevice(), ...(seesInternals(auth, request) ? { deadLetterFile: deps.ingest.deadLetterPath } : {}) }));

    api.get('/api/v1/quality', { schema: { summary: 'Stuck sensors per device', response: { 200: z.object({ stuckByDevice: z.record(z.string(), z.unknown()) }) } } }, async () => ({ stuckByDevice: deps.ingest.stuck.byDevice() }));

    // Per device and hour: received = written + rejected (by reason) + pending; `gap` flags the rest.
    api.get('/api/v1/accounting', {
      schema: {
        summary: 'Per device and hour: received = written + rejected + pending, gaps flagged',
        querystring: accountingQuery,
        response: { 200: z.object({ hours: z.number(), unexplained: z.number(), gaps: z.array(accountRow), rows: z.array(accountRow), recovery: recoverySchema.describe('what the previous run left in the spool, and whether InfluxDB holds it (reconciled / missing)') }), 400: errorSchema },
      },
    }, async (request) => {
      const { hours } = request.query;
      const unexplained = deps.ingest.accounting.check();
      const rows = deps.ingest.accounting.report(hours);
      const typed = rows as unknown as Array<z.infer<typeof accountRow>>;
      return { hours, unexplained, gaps: typed.filter((row) => row.gap !== 0), rows: typed, recovery: deps.ingest.accounting.recovery };
    });

    registerComplianceRoutes(scope, deps);
    registerReportRoutes(scope, { influx: deps.influx, registry: deps.registry, targets: deps.targets, review: deps.review, metrics: deps.metrics });
    registerFamilyFigureRoutes(scope, { influx: deps.influx, registry: deps.registry });
    registerEvaluateRoute(scope);
    // Who made an administrative action, resolved as the event routes resolve who acts on an event.
    const audit = createAdminAudit({ person: (request) => personOf({ auth }, request), log: deps.log });
    registerAdminRoutes(scope, deps, audit);
    const streams = createStreamAdmission({ total: Math.min(deps.auth.maxStreams ?? defaultLiveOptions.maxClients, defaultLiveOptions.maxClients), perAddress: deps.auth.streamsPerAddress ?? 50, reservedForSignedIn: deps.auth.streamSlotsForSignedIn ?? 100, perCredential: deps.auth.streamsPerCredential ?? 50 });
    // A credential is its person (names are one per credential; unnamed tokens of one role share their role's).
    const credentialOf = (request: FastifyRequest) => {
      const person = auth.person(request);
      return person ? `${person.role}:${person.name}` : 'signed-in';
    };
    registerLiveRoutes(scope, { live: deps.live, influx: deps.influx, registry: deps.registry, alarms: () => deps.alarms, streams, signedIn, credentialOf });
    registerScreen(scope);
    // Who acts on an alarm is the credential's person (issue 18 item 14, issue 23 item 1): a name, or the role of an anonymous token.
    registerAlarmRoutes(scope, deps, (request) => auth.bearerPerson(request)?.name ?? 'operator');
    registerSessionRoutes(scope, { auth, options: deps.auth, sessions, revocations });
    if (deps.backfillWindow) registerBackfillWindowRoutes(scope, deps.backfillWindow, audit);
    if (deps.events) registerEventRoutes(scope, { events: deps.events, auth, now: deps.now });
    if (deps.events) registerDesk(scope);
    if (deps.review) registerReviewRoutes(scope, { review: deps.review, influx: deps.influx, registry: deps.registry, stuckAfter: deps.ingest.stuck.stuckAfter, bearerRole: auth.bearerRole, bearerName: (request) => auth.bearerPerson(request)?.name ?? null, namesShown });
    if (deps.review) registerReviewPage(scope);
    // Only with an external broker and its secret configured (the platform passes mqttAuth then): issue 18 item 2.
    if (deps.mqttAuth) registerEmqxAuthRoutes(scope, { ...deps.mqttAuth, registry: deps.registry, metrics: deps.metrics, refuse: auth.refuse });
  });

  return app;
}
