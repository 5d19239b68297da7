import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { WanxiangError, isWanxiangError } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { createPlanCache } from '../reports/plan-cache.ts';
import { createReportTurns, reportRetryAfterS } from './report-turns.ts';
import { parsePlanPeriod } from '../compliance/plan-period.ts';
import { buildOfficialReport, type OfficialReportDeps } from '../reports/official-report.ts';
import { REPORT_TABLE_IDS, type ReportTableId } from '../reports/report-table.ts';
import { officialReportXlsx } from '../reports/report-xlsx.ts';
import { officialReportPage } from '../reports/report-page.ts';
import { formatZodIssues } from '../zod-issues.ts';

export type ReportRouteDeps = Omit<OfficialReportDeps, 'now' | 'planCache'> & { readonly now?: () => number; readonly metrics?: Metrics };

const reportQuery = z.strictObject({
  period: z.string().min(4).max(10).describe('YYYY, YYYY-YTD or YYYY-MM'),
  lang: z.enum(['zh', 'en']).default('zh'),
  format: z.enum(['json', 'xlsx']).default('json'),
});
const pageQuery = z.strictObject({
  period: z.string().min(4).max(10).describe('YYYY, YYYY-YTD or YYYY-MM'),
  lang: z.enum(['zh', 'en']).default('zh'),
});
const tableParams = z.strictObject({ table: z.enum(REPORT_TABLE_IDS) });

function parse<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `${where}: ${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** GET /api/v1/reports and /api/v1/reports/:table: the bureau's tables of a period (issue 22 item 3), JSON or xlsx. */
export function registerReportRoutes(app: FastifyInstance, deps: ReportRouteDeps): void {
  const now = deps.now ?? Date.now;
  const count = (outcome: 'built' | 'kept' | 'busy') => deps.metrics?.reportPlanBuilds.inc({ outcome });
  // Red team, HTTP pass: the plan's evaluations kept a short while, and reports built one at a time.
  const planCache = createPlanCache({ now, onBuilt: () => count('built'), onKept: () => count('kept') });
  const turns = createReportTurns({ onBusy: () => count('busy') });
  const build = (period: string, lang: 'zh' | 'en', only?: readonly ReportTableId[]) => buildOfficialReport({ ...deps, planCache, now: now() }, period, lang, only);
  /** The work in its turn; refused at once, with when to ask again, when the queue is full. */
  const inTurn = <T>(reply: FastifyReply, work: () => Promise<T>) => turns.run(work).catch((error: unknown) => {
    if (isWanxiangError(error) && error.code === 'WX_ERR_BUSY') reply.header('retry-after', String(reportRetryAfterS));
    throw error;
  });
  const answer = async (query: unknown, only: readonly ReportTableId[] | undefined, reply: FastifyReply) => {
    const { period, lang, format } = parse(reportQuery, query, 'query');
    parsePlanPeriod(period, now());
    if (format === 'json') return inTurn(reply, () => build(period, lang, only));
    // The workbook is written in the same turn: exceljs costs the thread as much as the tables.
    const { report, workbook } = await inTurn(reply, async () => {
      const built = await build(period, lang, only);
      return { report: built, workbook: await officialReportXlsx(built) };
    });
    const name = `wanxiang-${only?.length === 1 ? only[0] : 'report'}-${report.period.id}-${lang}.xlsx`;
    reply.header('content-disposition', `attachment; filename="${name}"`);
    return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(workbook);
  };
  app.get('/api/v1/reports', {
    schema: { summary: 'The official tables of a period (daily air, river sections, ranking, plan), one sheet a table in xlsx', querystring: reportQuery },
  }, (request, reply) => answer(request.query, undefined, reply));
  app.get('/api/v1/reports/:table', {
    schema: { summary: 'One official table of a period: daily-air, water-month, ranking, plan or families (figures without a plan target)', querystring: reportQuery, params: tableParams },
  }, (request, reply) => answer(request.query, [parse(tableParams, request.params, 'path').table], reply));
  // The printable page: the same tables, with charts, and a print stylesheet for A4 (screen/report.css).
  app.get('/report', {
    schema: { summary: 'The printable report of a period (HTML): tables and charts, A4 when printed', querystring: pageQuery, produces: ['text/html'] },
  }, async (request, reply) => {
    const { period, lang } = parse(pageQuery, request.query, 'query');
    parsePlanPeriod(period, now());
    const page = await inTurn(reply, async () => officialReportPage(await build(period, lang)));
    // A read, in read access `token` an authenticated one: kept by no cache (no-cache let a browser keep it on disk).
    return reply.type('text/html; charset=utf-8').send(page);
  });
}
