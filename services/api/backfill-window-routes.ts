import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WanxiangError } from '../errors.ts';
import type { BackfillWindow } from '../ingest/backfill-window.ts';
import { QUERYABLE_YEARS, isQueryableTime, tryParseBeijingInstant } from '../standards/beijing-time.ts';
import { formatZodIssues } from '../zod-issues.ts';
import type { RecordAdminAction } from './admin-audit.ts';

const windowBody = z.strictObject({
  // As every other time the API takes (api.md): a bare date was refused here alone (red team 11).
  from: z.union([z.number().int().min(0), z.string().max(64)]).describe('the oldest reading to take: epoch ms, YYYY-MM-DD (00:00 Beijing), a Beijing date-time, or ISO 8601 with a zone'),
  minutes: z.number().int().min(1).max(24 * 60).default(60).describe('how long the window stays open (1-1440, default 60)'),
});
const windowAnswer = z.object({ open: z.boolean(), from: z.string().optional(), until: z.string().optional() });
const errorBody = z.object({ code: z.string(), message: z.string() });
const denied = { 400: errorBody, 401: errorBody, 403: errorBody };

const describeWindow = (window: { fromMs: number; untilMs: number } | null) =>
  window ? { open: true, from: new Date(window.fromMs).toISOString(), until: new Date(window.untilMs).toISOString() } : { open: false };

/**
 * The backfill window (issue 19, item 3), admin only: old readings into a running platform
 * without a restart. GET says whether one is open; POST opens one; DELETE closes it.
 */
export function registerBackfillWindowRoutes(app: FastifyInstance, window: BackfillWindow, audit: RecordAdminAction, now: () => number = Date.now): void {
  const admin = { config: { access: 'admin' as const } };
  app.get('/api/v1/admin/backfill-window', { ...admin, schema: { summary: 'The backfill window: whether old readings are taken now (admin)', security: [{ bearer: [] }], response: { 200: windowAnswer, ...denied } } }, async () => describeWindow(window.current));
  app.post('/api/v1/admin/backfill-window', {
    ...admin,
    schema: { summary: 'Open a backfill window: readings as old as `from` are taken for `minutes` (admin)', security: [{ bearer: [] }], body: windowBody, response: { 200: windowAnswer, ...denied } },
  }, async (request) => {
    const parsed = windowBody.safeParse(request.body);
    if (!parsed.success) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', formatZodIssues(parsed.error.issues));
    const fromMs = typeof parsed.data.from === 'number' ? parsed.data.from : tryParseBeijingInstant(parsed.data.from);
    if (fromMs === undefined) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `from ${JSON.stringify(parsed.data.from)} is not a time: epoch ms, YYYY-MM-DD (Beijing), YYYY-MM-DDTHH:mm (Beijing) or ISO 8601 with a zone, in the years ${QUERYABLE_YEARS.from}-${QUERYABLE_YEARS.to}`);
    // Readings older than InfluxDB can hold would only be refused by it, batch after batch (beijing-time.ts).
    if (!isQueryableTime(fromMs)) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `from must lie in the years ${QUERYABLE_YEARS.from}-${QUERYABLE_YEARS.to}`);
    if (fromMs >= now()) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'from must lie in the past');
    const opened = describeWindow(window.open({ fromMs, untilMs: now() + parsed.data.minutes * 60_000 }));
    audit(request, 'backfill-window-open', { from: opened.from ?? '', until: opened.until ?? '' });
    return opened;
  });
  app.delete('/api/v1/admin/backfill-window', { ...admin, schema: { summary: 'Close the backfill window (admin)', security: [{ bearer: [] }], response: { 200: windowAnswer, ...denied } } }, async (request) => {
    window.close();
    audit(request, 'backfill-window-close', {});
    return describeWindow(null);
  });
}
