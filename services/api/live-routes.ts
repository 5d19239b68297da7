import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addressKey } from '../address-key.ts';
import type { AlarmService } from '../alarms/alarm-types.ts';
import type { Live } from '../live/create-live.ts';
import { querySeries } from '../live/series-query.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { securityHeaders } from './auth.ts';
import type { StreamAdmission } from './stream-admission.ts';
import { type LiveResponse, type SeriesResponse, errorSchema, liveQuerySchema, liveResponseSchema, seriesQuerySchema, seriesResponseSchema, streamQuerySchema } from './live-schemas.ts';

export interface LiveRouteDeps {
  readonly live: Live;
  readonly influx: InfluxClient;
  readonly registry: DeviceRegistry;
  readonly alarms?: () => AlarmService | undefined;
  /** Who may open one more event stream (per address, slots kept for signed-in screens); everyone up to the hub's limit without it. */
  readonly streams?: StreamAdmission;
  /** Whether a request carries a valid token or session (it may take the slots kept for signed-in screens). */
  readonly signedIn?: (request: FastifyRequest) => boolean;
  /** Who a signed-in request is, to hold each credential to its streams (a person's role and name). */
  readonly credentialOf?: (request: FastifyRequest) => string;
}

// What the hub gives as ids (`<epoch>-<seq>`, services/live/stream-hub.ts): anything else is refused, never echoed.
const lastEventId = z.string().regex(/^[0-9a-f]{8}-\d{1,16}$/, 'an id this stream gave: <8 hex digits>-<sequence>');
/** gzip named in Accept-Encoding and not refused with q=0 (RFC 9110 §12.5.3). */
const acceptsGzip = (header: string | undefined) => (header ?? '').split(',').some((part) => {
  const [coding, ...params] = part.trim().toLowerCase().split(';').map((x) => x.trim());
  return (coding === 'gzip' || coding === 'x-gzip') && !params.some((p) => /^q=0(\.0*)?$/.test(p));
});
const refusedStream = (reason: string) => `event: error\ndata: ${JSON.stringify({ code: 'WX_ERR_TOO_MANY_CONNECTIONS', message: reason })}\n\n`;
const refusals = {
  address: 'this address holds as many event streams as allowed',
  credential: 'this credential (its token, or the sessions it signed in) holds as many event streams as allowed',
  anonymous: 'the event stream’s remaining slots are kept for signed-in screens: sign in (POST /api/v1/session)',
  full: 'the event stream holds as many clients as allowed',
} as const;

/** GET /api/v1/live (from memory), /api/v1/stream (server-sent events), /api/v1/series (InfluxDB, downsampled). */
export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/api/v1/live', {
    schema: {
      summary: 'Every device’s latest reading, age, freshness and state, and the district tiles (from memory)',
      querystring: liveQuerySchema,
      response: { 200: liveResponseSchema, 400: errorSchema },
    },
    // The whole district is answered from memory: plain JSON.stringify, not a zod pass over every
    // device on each request (10,000 devices cost ~5x more that way). The schema documents the answer,
    // and tests/integration/live-api.test.ts holds real answers against it.
    serializerCompiler: () => (data) => JSON.stringify(data),
  }, async (request) => {
    const alarms = deps.alarms?.();
    const open = alarms ? [...alarms.list({ state: 'open' }), ...alarms.list({ state: 'acknowledged' })] : [];
    return { ...deps.live.snapshot(request.query), alarms: open as unknown as Record<string, unknown>[], alarmEngine: alarms !== undefined } as LiveResponse;
  });

  api.get('/api/v1/stream', {
    schema: {
      summary: 'Server-sent events: `readings` (summaries), `alarm` (changes), `tiles`, `reset`; `?format=delta`: `sync`, `delta`, `alarm`, `tiles` (changed only); resumable with Last-Event-ID',
      querystring: streamQuerySchema,
      headers: z.looseObject({ 'last-event-id': lastEventId.optional() }),
      response: { 200: z.string().describe('text/event-stream'), 400: errorSchema, 503: errorSchema },
    },
  }, async (request, reply) => {
    const filter = {
      families: request.query.family ? new Set<string>(request.query.family) : null,
      streets: request.query.street ? new Set<string>(request.query.street) : null,
    };
    // A HEAD is answered with the GET's head and ended (RFC 9110 §9.3.2): attached to the hub like a
    // GET, it had its body dropped by Node, so not even the head went out, and it held a slot for good.
    if (request.method === 'HEAD') return reply.code(200).headers({ 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no' }).send('');
    const signedIn = deps.signedIn?.(request) ?? false;
    const credential = signedIn ? deps.credentialOf?.(request) ?? 'signed-in' : null;
    const admission = deps.streams?.admit(addressKey(request.ip), credential) ?? { ok: true, release: () => undefined };
    reply.hijack();
    const res = reply.raw;
    if (!admission.ok) {
      // 429 with the reason, as an event too: an EventSource reads no status text (WHATWG HTML §9.2.3).
      res.writeHead(429, { ...securityHeaders, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '30' });
      res.end(refusedStream(refusals[admission.reason]));
      return;
    }
    res.on('close', admission.release);
    // Issue 21 item 5: a delta stream is compressed per connection when the client takes gzip (every browser's EventSource does).
    const format = request.query.format ?? 'full';
    const gzip = format === 'delta' && acceptsGzip(request.headers['accept-encoding']);
    // Hijacked, so no onSend hook adds them: the headers every other answer carries (auth.ts), here.
    res.writeHead(200, {
      ...securityHeaders,
      ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    // A stream opened with a credential holds only while the credential does (sign-out, a disabled person).
    const stillAllowed = signedIn && deps.signedIn ? () => deps.signedIn!(request) : undefined;
    if (!deps.live.hub.attach(res, filter, request.headers['last-event-id'], { format, gzip, stillAllowed, anonymous: !signedIn })) {
      // The head already promised gzip to a delta client: the refusal is compressed too.
      const refusal = refusedStream(refusals.full);
      res.end(gzip ? gzipSync(refusal) : refusal);
    }
  });

  api.get('/api/v1/series', {
    schema: {
      summary: 'A time series of one device, site or street, downsampled in InfluxDB to at most `points` points',
      description: 'Each point is one time bucket (InfluxQL `GROUP BY time(...)`): `value` its MEAN, `min` and `max` its lowest and highest reading, so a single high reading the alarms saw shows in `max` even where the mean smooths it. `lines` are the field’s limit and target lines (one device only).',
      querystring: seriesQuerySchema,
      response: { 200: seriesResponseSchema, 400: errorSchema, 404: errorSchema },
    },
  }, async (request) => {
    const { from, to, ...rest } = request.query;
    const toMs = to === undefined ? Date.now() : Date.parse(to);
    const fromMs = from === undefined ? toMs - 86_400_000 : Date.parse(from);
    return (await querySeries(deps.influx, deps.registry, { ...rest, fromMs, toMs }, deps.live.thresholds)) as SeriesResponse;
  });
}
