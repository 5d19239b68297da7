import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { evaluateCompliance } from '../compliance/compliance.ts';
import type { TargetsFile } from '../compliance/targets.ts';
import { WanxiangError } from '../errors.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import { AQI_ANSWER_CONVENTIONS, aqiPoint, aqiQuery as aqiInfluxQuery } from '../compliance/aqi-points.ts';
import { isBeijingInstant } from '../standards/index.ts';
import type { InfluxClient } from '../storage/influx-client.ts';
import { formatZodIssues } from '../zod-issues.ts';

export interface ComplianceRouteDeps {
  readonly influx: InfluxClient;
  readonly registry: DeviceRegistry;
  readonly targets: TargetsFile;
  readonly now?: () => number;
}

const instant = z.string().refine(isBeijingInstant, 'a Beijing date YYYY-MM-DD, a Beijing time YYYY-MM-DDThh:mm, or ISO 8601 with a zone');
const aqiQuery = z.strictObject({
  station: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  from: instant,
  to: instant,
  resolution: z.enum(['hour', 'day']).default('day'),
});

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', formatZodIssues(parsed.error.issues));
  return parsed.data;
}

/** GET /api/v1/compliance and GET /api/v1/aqi: the plan's targets and the AQI as bulletins give them. */
export function registerComplianceRoutes(app: FastifyInstance, deps: ComplianceRouteDeps): void {
  const now = deps.now ?? Date.now;

  app.get('/api/v1/compliance', async (request) => {
    const { period } = parse(z.strictObject({ period: z.string().min(4).max(10) }), request.query);
    return evaluateCompliance({ influx: deps.influx, registry: deps.registry, targets: deps.targets, now: now() }, period);
  });

  app.get('/api/v1/aqi', async (request) => {
    const query = parse(aqiQuery, request.query);
    const district = query.station === 'district';
    if (!district && deps.registry.device(query.station)?.family !== 'air') {
      throw new WanxiangError('WX_ERR_NOT_FOUND', `no air station ${query.station}; use an air device id or "district"`);
    }
    if (district && query.resolution === 'hour') throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', 'the district AQI is daily (mean over stations first, then the AQI)');
    const series = await deps.influx.query(aqiInfluxQuery(query.station, query.resolution, query.from, query.to));
    const rows = series.flatMap((s) => s.values.map((row) => Object.fromEntries(s.columns.map((column, i) => [column, row[i]]))));
    return { station: query.station, resolution: query.resolution, conventions: AQI_ANSWER_CONVENTIONS, points: rows.map(aqiPoint) };
  });
}
