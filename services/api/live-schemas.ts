import { z } from 'zod';
import { familyIds } from '../families/index.ts';
import { SERIES_DEFAULT_POINTS, SERIES_MAX_POINTS } from '../live/series-query.ts';
import { QUERYABLE_YEARS, isQueryableTime } from '../standards/beijing-time.ts';

/** Shapes of the live API (GET /api/v1/live, /stream, /series): they validate and they document. */

const slug = z.string().regex(/^[a-z0-9-]{1,40}$/);
const idText = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** A comma-separated list of families or streets, as a query parameter. */
const listOf = (item: z.ZodType<string, string>) =>
  z.string().max(500).transform((text) => text.split(',').filter(Boolean)).pipe(z.array(item).min(1));
// Within the years InfluxDB can hold (beijing-time.ts): year 1500 or 9999 is refused here, not by InfluxDB.
const instant = z.string().max(40).refine((text) => isQueryableTime(Date.parse(text)), `an ISO 8601 date or time, years ${QUERYABLE_YEARS.from}-${QUERYABLE_YEARS.to}`).describe('ISO 8601 date or time');

export const deviceStateSchema = z.object({
  severity: z.number().int().min(0).max(3),
  colour: z.string(),
  label: z.string().describe('aqi-1…6, class-I…劣V, load-normal|medium|heavy|overload, occupancy-free|busy|full, noise-day|night-within|over, no-data'),
  value: z.union([z.number(), z.string(), z.null()]),
  limit: z.union([z.number(), z.string(), z.null()]),
  limits: z.object({ day: z.number(), night: z.number() }).optional().describe('noise: the zone’s day and night Leq limits'),
});

export const tileSchema = z.object({
  id: z.enum(['pm25', 'good-days', 'sections', 'heavy-load', 'parking', 'noise', 'online']),
  value: z.number().nullable(),
  of: z.number().nullable(),
  unit: z.string(),
  secondary: z.number().nullable(),
  target: z.union([z.number(), z.string(), z.null()]),
  targetUnit: z.string().nullable().describe('the target’s own unit (class, dB(A), µg/m³), which need not be the figure’s'),
  comparator: z.enum(['<=', '>=']).nullable(),
  status: z.string(),
  meets: z.enum(['all', 'none']).nullable().describe('a live count meets the plan now when it is all of `of` or none; null for other tiles'),
  compliance: z.object({ targetIds: z.array(z.string()), period: z.string(), value: z.union([z.number(), z.string(), z.null()]), status: z.string() }).nullable(),
  link: z.string(),
  provenance: z.array(z.string()),
});

export const liveQuerySchema = z.strictObject({
  family: z.enum(familyIds).optional(),
  street: slug.optional(),
});

export type LiveResponse = z.infer<typeof liveResponseSchema>;
export type SeriesResponse = z.infer<typeof seriesResponseSchema>;
export const liveResponseSchema = z.object({
  generatedAt: z.string(),
  district: z.string(),
  streets: z.array(z.object({ id: z.string(), name: z.string() })),
  families: z.array(z.object({
    family: z.enum(familyIds),
    title: z.string(),
    reportIntervalMs: z.number(),
    units: z.record(z.string(), z.string()).describe('unit of each value key'),
    fieldLabels: z.record(z.string(), z.object({ zh: z.string(), en: z.string() })).describe('name of each value key in Chinese and English, from the family module'),
    presentation: z.record(z.string(), z.unknown()).nullable().describe('label, headline keys, map symbol and state labels from the family module (issue 25); null for families with a hand-written panel'),
    devices: z.array(z.object({
      id: z.string(), site: z.string(), siteName: z.string(), street: z.string(), lat: z.number(), lon: z.number(),
      online: z.boolean(),
      time: z.string().nullable().describe('the reading’s own time'),
      ageMs: z.number().nullable().describe('since the platform received it'),
      reportIntervalMs: z.number().describe('the device’s registered report interval, else its family’s'),
      freshness: z.enum(['fresh', 'late', 'silent']).describe('late after 2 of the device’s report intervals, silent after 3'),
      values: z.record(z.string(), z.number()),
      state: deviceStateSchema,
      attributes: z.record(z.string(), z.unknown()),
    })),
  })),
  tiles: z.array(tileSchema),
  tilesAt: z.string().nullable(),
  alarms: z.array(z.record(z.string(), z.unknown())).describe('open and acknowledged alarms (empty without an alarm engine)'),
  alarmEngine: z.boolean().describe('whether the platform runs an alarm engine'),
});

export const streamQuerySchema = z.strictObject({
  family: listOf(z.enum(familyIds)).optional().describe('comma-separated families'),
  street: listOf(slug).optional().describe('comma-separated street ids'),
  format: z.enum(['full', 'delta']).optional()
    .describe('full (default): `readings` whole. delta (issue 21): a `sync` with the whole picture, then `delta` events with only what changed and `tiles` with only the changed tiles; gzip-compressed when the client accepts it'),
});

export const seriesQuerySchema = z.strictObject({
  device: idText.optional(),
  site: slug.optional(),
  street: slug.optional(),
  field: z.string().regex(/^[A-Za-z0-9_]{1,40}$/).describe('a payload key (pm25) or InfluxDB field (pm25_ugm3, load_rate_pct)'),
  from: instant.optional().describe('default: 24 h before `to`'),
  to: instant.optional().describe('default: now'),
  points: z.coerce.number().int().min(1).max(SERIES_MAX_POINTS).default(SERIES_DEFAULT_POINTS)
    .describe(`at most this many points (default ${SERIES_DEFAULT_POINTS}, max ${SERIES_MAX_POINTS})`),
});

export const seriesResponseSchema = z.object({
  family: z.enum(familyIds),
  field: z.string(),
  influxField: z.string(),
  unit: z.string(),
  devices: z.array(z.string()),
  from: z.string(),
  to: z.string(),
  intervalMs: z.number().describe('the GROUP BY time bucket'),
  lines: z.array(z.object({ value: z.number(), kind: z.enum(['limit', 'target', 'band']), labelZh: z.string(), labelEn: z.string() })).describe('limit and target lines of the field (one device only)'),
  points: z.array(z.object({ time: z.string(), value: z.number().describe('mean of the bucket'), min: z.number().describe('lowest reading in the bucket'), max: z.number().describe('highest reading in the bucket') })),
  query: z.string(),
});

export const errorSchema = z.object({ code: z.string(), message: z.string() }).describe('a catalogue error (WX_ERR_*)');
