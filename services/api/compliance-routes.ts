import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { evaluateCompliance } from '../compliance/compliance.ts';
import { parsePlanPeriod } from '../compliance/plan-period.ts';
import type { TargetsFile } from '../compliance/targets.ts';
import { WanxiangError } from '../errors.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { AQI_ANSWER_CONVENTIONS, aqiPointsOf, aqiQuery as aqiInfluxQuery } from '../compliance/aqi-points.ts';
import { isBeijingInstant } from '../standards/index.ts';
import { QUERYABLE_YEARS } from '../standards/beijing-time.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { formatZodIssues } from '../zod-issues.ts';
import type { ReviewSource } from '../rollups/review-overlay.ts';

export interface ComplianceRouteDeps {
  readonly influx: InfluxClient;
  readonly registry: DeviceRegistry;
  readonly targets: TargetsFile;
  readonly now?: () => number;
  /** The officers' review marks: the reviewed figure with the unreviewed one beside (issue 22). */
  readonly review?: ReviewSource;
}

const instant = z.string().refine(isBeijingInstant, `a Beijing date YYYY-MM-DD, a Beijing time YYYY-MM-DDThh:mm, or ISO 8601 with a zone, years ${QUERYABLE_YEARS.from}-${QUERYABLE_YEARS.to}`);
const aqiQuery = z.strictObject({
  station: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  from: instant,
  to: instant,
  resolution: z.enum(['hour', 'day']).default('day'),
});

const errorBody = z.object({ code: z.string(), message: z.string() });
const figure = z.union([z.number(), z.string(), z.null()]);
// The report's shape as documented; loose, so that a figure's details and later fields pass through unchanged.
const complianceResponse = z.looseObject({
  period: z.looseObject({ id: z.string(), kind: z.enum(['year', 'ytd', 'month', 'quarter', 'half']), year: z.number(), fromMs: z.number(), toMs: z.number(), complete: z.boolean() }),
  plan: z.string(),
  district: z.string(),
  generatedAt: z.string(),
  targets: z.array(z.looseObject({
    id: z.string(), indicator: z.string(), nameZh: z.string(), nameEn: z.string(), comparator: z.string(), target: figure, unit: z.string(),
    value: figure, status: z.string(), projected: z.boolean(), completeness: z.number().nullable(),
    standards: z.array(z.string()), provenance: z.array(z.looseObject({ measurement: z.string(), points: z.number(), from: z.string(), to: z.string(), query: z.string() })),
    planRef: z.string(),
  })),
});
const aqiResponse = z.looseObject({
  station: z.string(),
  resolution: z.enum(['hour', 'day']),
  points: z.array(z.looseObject({
    time: z.string(), aqi: z.number().nullable(), level: z.number().nullable(), primary: z.array(z.string()), standard: z.string().nullable(), valid: z.boolean(),
    pm25: z.number().nullable(), pm10: z.number().nullable(), o3: z.number().nullable(), o3_8h: z.number().nullable(),
    no2: z.number().nullable(), so2: z.number().nullable(), co: z.number().nullable(),
  })),
});
const complianceQuery = z.strictObject({ period: z.string().min(4).max(10).describe('YYYY, YYYY-YTD, YYYY-MM, YYYY-Q1..Q4 or YYYY-H1..H2, in a year of the 2021-2025 plan') });

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', formatZodIssues(parsed.error.issues));
  return parsed.data;
}

/** GET /api/v1/compliance and GET /api/v1/aqi: the plan's targets and the AQI as bulletins give them. */
export function registerComplianceRoutes(app: FastifyInstance, deps: ComplianceRouteDeps): void {
  const now = deps.now ?? Date.now;

  app.get('/api/v1/compliance', {
    schema: { summary: 'The plan’s targets for a period, each with its status, completeness and provenance', querystring: complianceQuery, response: { 200: complianceResponse, 400: errorBody } },
  }, async (request) => {
    const { period } = parse(complianceQuery, request.query);
    // A year outside the plan is refused with the plan's years (issue 22 item 4), before any query.
    parsePlanPeriod(period, now());
    return evaluateCompliance({ influx: deps.influx, registry: deps.registry, targets: deps.targets, now: now(), review: deps.review }, period);
  });

  app.get('/api/v1/aqi', {
    schema: { summary: 'Daily or hourly AQI of a station, or the district’s daily AQI, as bulletins give it', querystring: aqiQuery, response: { 200: aqiResponse, 400: errorBody, 404: errorBody } },
  }, async (request) => {
    const query = parse(aqiQuery, request.query);
    const district = query.station === 'district';
    if (!district && deps.registry.device(query.station)?.family !== 'air') {
      throw new WanxiangError('WX_ERR_NOT_FOUND', `no air station ${query.station}; use an air device id or "district"`);
    }
    if (district && query.resolution === 'hour') throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'the district AQI is daily (mean over stations first, then the AQI)');
    const series = await deps.influx.query(aqiInfluxQuery(query.station, query.resolution, query.from, query.to));
    return { station: query.station, resolution: query.resolution, conventions: AQI_ANSWER_CONVENTIONS, points: aqiPointsOf(series) };
  });
}
