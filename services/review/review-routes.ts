import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { WanxiangError } from '../errors.ts';
import { bearerToken } from '../people/bearer-token.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { QUERYABLE_YEARS, tryParseBeijingInstant } from '../standards/beijing-time.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { formatZodIssues } from '../zod-issues.ts';
import { reviewRequestSchema } from './mark-schema.ts';
import { withDerivedFields } from './marked-fields.ts';
import type { ReviewService } from './review-service.ts';
import { reviewView } from './review-view.ts';
import { assertSuggestionCost, suggestMarks } from './suggestions.ts';

export interface ReviewRouteDeps {
  readonly review: ReviewService;
  readonly influx: InfluxClient;
  readonly registry: DeviceRegistry;
  readonly stuckAfter: number;
  /** The role of the request's bearer token (auth.ts), to hold marking to officers and admins by name. */
  readonly bearerRole: (request: FastifyRequest) => string | null;
  /** The person's name a named token stands for (auth.ts bearerPerson); a mark records it as who took it. */
  readonly bearerName?: (request: FastifyRequest) => string | null;
  /** The records as this request may see them: names to a caller with a credential, roles otherwise (services/api/name-redaction.ts). */
  readonly namesShown?: <T>(request: FastifyRequest, value: T) => T;
}

const instant = z.string().max(40).refine((text) => tryParseBeijingInstant(text) !== undefined, `a Beijing date YYYY-MM-DD, a Beijing time YYYY-MM-DDThh:mm, or ISO 8601 with a zone, years ${QUERYABLE_YEARS.from}-${QUERYABLE_YEARS.to}`);
const listQuery = z.strictObject({ device: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(), from: instant.optional(), to: instant.optional() });
const suggestionsQuery = z.strictObject({ device: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), from: instant, to: instant });

function parse<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `${where}: ${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

/**
 * Who took a mark, from the credential: its role and a fingerprint of its token (the first 8 hex
 * of its SHA-256), never the token. A named credential (role:name:token, a users-file person) gives
 * its name instead; an anonymous token's person is named after its role, which says nothing more.
 */
export function credentialName(request: FastifyRequest, role: string, personName?: string | null): string {
  const named = personName ?? (request as FastifyRequest & { principal?: { name?: string } }).principal?.name;
  if (named && named !== role) return `${role}:${named}`;
  const token = bearerToken(request.headers.authorization) ?? '';
  return `${role}:${createHash('sha256').update(token).digest('hex').slice(0, 8)}`;
}

const timeOf = (text: string | undefined) => (text === undefined ? undefined : tryParseBeijingInstant(text));
const withIso = <T extends { fromMs: number; toMs: number }>(entry: T & { atMs?: number }) => ({
  ...entry, from: new Date(entry.fromMs).toISOString(), to: new Date(entry.toMs).toISOString(), ...(entry.atMs === undefined ? {} : { at: new Date(entry.atMs).toISOString() }),
});

/** POST/GET /api/v1/review/marks, the history export and the suggested marks (issue 22 item 1). */
export function registerReviewRoutes(app: FastifyInstance, deps: ReviewRouteDeps): void {
  app.post('/api/v1/review/marks', { config: { access: 'officer' }, schema: { summary: 'Take a review mark (data invalid, with a reason) or revoke one; officer or admin' } }, async (request, reply) => {
    const role = deps.bearerRole(request);
    // The access hook admits officers and admins by name (access.ts); the role names who took the mark.
    if (role !== 'officer' && role !== 'admin') throw new WanxiangError('WX_ERR_FORBIDDEN', `POST /api/v1/review/marks needs the officer role; the token is ${role ?? 'none'}`);
    const body = parse(reviewRequestSchema, request.body ?? {}, 'body');
    const by = credentialName(request, role, deps.bearerName?.(request));
    const record = body.action === 'revoke' ? await deps.review.revoke(body, by) : await deps.review.mark(body, by);
    // The same mark already in force is answered 200 with it (`repeated`): a retry takes no second mark.
    // A mark is answered with the derived fields it also takes out (`derivedFields`); the record keeps the fields sent.
    return reply.code('repeated' in record ? 200 : 201).send(record.action === 'mark' ? withIso(withDerivedFields(record)) : { ...record, at: new Date(record.atMs).toISOString() });
  });

  app.get('/api/v1/review/marks', { schema: { summary: 'Review marks (of a device, over a range), each in force or revoked', querystring: listQuery } }, async (request) => {
    const query = parse(listQuery, request.query, 'query');
    const marks = await deps.review.list({ device: query.device, fromMs: timeOf(query.from), toMs: timeOf(query.to) });
    return { marks: marks.map(withIso) };
  });

  app.get('/api/v1/review/history', { schema: { summary: 'The whole review history as NDJSON, oldest first: every mark and revocation' } }, async (request, reply) => {
    const stored = await deps.review.history();
    // NDJSON is text before fastify serialises it: the names are taken out here (JSON answers are, by the API's hook).
    const records = deps.namesShown ? deps.namesShown(request, stored) : stored;
    reply.header('content-type', 'application/x-ndjson; charset=utf-8');
    reply.header('content-disposition', 'attachment; filename="review-history.ndjson"');
    return records.map((record) => JSON.stringify(record)).join('\n') + (records.length ? '\n' : '');
  });

  // The review page's data (services/screen/review.html): officer or admin, like the marks it leads to.
  app.get('/api/v1/review/view', { config: { access: 'officer' }, schema: { summary: 'One device over at most 7 days for the review page: readings, HJ 212 flags, marks, suggested marks, reasons, day figures before and after review', querystring: suggestionsQuery } }, async (request, reply) => {
    const query = parse(suggestionsQuery, request.query, 'query');
    const device = deps.registry.device(query.device);
    if (!device) throw new WanxiangError('WX_ERR_NOT_FOUND', `no device ${query.device} in the registry`);
    const devicesAtSite = (site: string) => deps.registry.devices.filter((entry) => entry.site === site);
    const fromMs = timeOf(query.from)!;
    const toMs = timeOf(query.to)!;
    // The view reads the raw readings three times (series, flags, stuck runs): bounded as the suggestions are.
    if (toMs > fromMs) assertSuggestionCost(device, fromMs, toMs);
    const view = await reviewView({ influx: deps.influx, review: deps.review, stuckAfter: deps.stuckAfter, devicesAtSite }, device, fromMs, toMs);
    reply.header('cache-control', 'no-store');
    return { ...view, marks: view.marks.map(withIso), suggestions: view.suggestions.map(withIso) };
  });

  // An officer's work tool that reads raw readings: officer or admin, and bounded in readings (range ÷ interval).
  app.get('/api/v1/review/suggestions', { config: { access: 'officer' }, schema: { summary: 'Marks the data suggest (HJ 212 invalid flags, stuck sensors): not in force until an officer takes them; officer or admin, at most 31 days and 100,000 readings of the device', querystring: suggestionsQuery } }, async (request) => {
    const query = parse(suggestionsQuery, request.query, 'query');
    const device = deps.registry.device(query.device);
    if (!device) throw new WanxiangError('WX_ERR_NOT_FOUND', `no device ${query.device} in the registry`);
    const fromMs = timeOf(query.from)!;
    const toMs = timeOf(query.to)!;
    if (toMs > fromMs) assertSuggestionCost(device, fromMs, toMs);
    const suggestions = await suggestMarks({ influx: deps.influx, stuckAfter: deps.stuckAfter }, device, fromMs, toMs);
    return { suggestions: suggestions.map(withIso) };
  });
}
