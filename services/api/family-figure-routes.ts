import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { familyFigures } from '../compliance/family-figures.ts';
import { WanxiangError } from '../errors.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { DAY_MS, beijingDay } from '../standards/index.ts';
import { QUERYABLE_YEARS, tryParseBeijingInstant } from '../standards/beijing-time.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { formatZodIssues } from '../zod-issues.ts';

export interface FamilyFigureRouteDeps {
  readonly influx: InfluxClient;
  readonly registry: DeviceRegistry;
  readonly now?: () => number;
}

const figuresQuery = z.strictObject({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe('a Beijing date YYYY-MM-DD (default: today, Beijing time)'),
});
const bilingual = z.object({ zh: z.string(), en: z.string() });
const figuresResponse = z.object({
  day: z.string(),
  figures: z.array(z.object({
    family: z.string(), familyLabel: bilingual, field: z.string(), label: bilingual, unit: z.string(), value: z.number().nullable(),
    devices: z.number(), registered: z.number(), groups: z.array(z.object({ group: z.string(), value: z.number().nullable() })), groupLabel: bilingual.nullable(),
    planTarget: z.null().describe('the plan sets no numeric target for these figures: never judged'),
  })),
});

/**
 * GET /api/v1/compliance/figures: the families' key figures of one Beijing day (issue 25 item 4),
 * from the daily rollups their modules declare; the screen's generic panel shows today's.
 */
export function registerFamilyFigureRoutes(app: FastifyInstance, deps: FamilyFigureRouteDeps): void {
  const now = deps.now ?? Date.now;
  app.get('/api/v1/compliance/figures', {
    schema: { summary: 'The key figures of each family that declares a rollup summary, for one Beijing day (no plan target judges them)', querystring: figuresQuery, response: { 200: figuresResponse } },
  }, async (request) => {
    const parsed = figuresQuery.safeParse(request.query);
    if (!parsed.success) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', formatZodIssues(parsed.error.issues));
    const day = parsed.data.day ?? beijingDay(now());
    const fromMs = tryParseBeijingInstant(day);
    if (fromMs === undefined || beijingDay(fromMs) !== day) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `day ${JSON.stringify(day)} is not a date YYYY-MM-DD of the years ${QUERYABLE_YEARS.from}-${QUERYABLE_YEARS.to}`);
    return { day, figures: await familyFigures(deps, fromMs, fromMs + DAY_MS) };
  });
}
