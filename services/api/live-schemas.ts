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

// Every field of /api/v1/live described (issue 21 item 7; audit: most were not): the API docs are read by people.
const figure = z.union([z.number(), z.string(), z.null()]);
const bilingual = z.object({ zh: z.string().describe('Chinese'), en: z.string().describe('English') });

export const deviceStateSchema = z.object({
  severity: z.number().int().min(0).max(3).describe('0 good, 1 watch, 2 over the limit or heavily loaded, 3 severe'),
  colour: z.string().describe('the state’s colour (#rrggbb): the HJ 633 AQI colour, the GB 3838 class colour, or the severity’s'),
  label: z.string().describe('aqi-1…6, class-I…劣V, load-normal|medium|heavy|overload, occupancy-free|busy|full, noise-day|night-within|over, no-data, or `<family>.<state>` of a family module'),
  value: figure.describe('the figure judged: AQI, water class, load %, occupancy %, Leq dB(A), or a coded state’s name'),
  limit: figure.describe('what the figure is judged against: the target class, the zone’s Leq limit, the rated kW; null where none'),
  limits: z.object({ day: z.number().describe('day limit (06–22 Beijing time), dB(A)'), night: z.number().describe('night limit (22–06), dB(A)') }).optional().describe('noise: the zone’s day and night Leq limits'),
});

export const tileSchema = z.object({
  id: z.enum(['pm25', 'good-days', 'sections', 'heavy-load', 'parking', 'noise', 'online']).describe('which district figure'),
  value: z.number().nullable().describe('the figure: a year-to-date value (pm25, good-days) or a live count; null until computed'),
  of: z.number().nullable().describe('the whole a count is a part of (sections, transformers, roads, devices); null for other figures'),
  unit: z.string().describe('the figure’s unit: µg/m³, %, or sections | transformers | roads | devices | spaces'),
  secondary: z.number().nullable().describe('a second figure shown beside the value (parking: off-peak shareable spaces); null where none'),
  target: figure.describe('the plan’s target value (a number or a water class); null where the plan sets none'),
  targetUnit: z.string().nullable().describe('the target’s own unit (class, dB(A), µg/m³), which need not be the figure’s'),
  comparator: z.enum(['<=', '>=']).nullable().describe('how the figure is held against the target; null where the plan sets no number'),
  zoneLimits: z.object({
    unit: z.literal('dB(A)').describe('the limits’ unit'),
    dayStartHour: z.number().int().describe('the hour day begins, Beijing time (GB 3096-2008 §3: 6)'),
    nightStartHour: z.number().int().describe('the hour night begins, Beijing time (GB 3096-2008 §3: 22)'),
    zones: z.record(z.string(), z.object({ day: z.number().describe('day Leq limit'), night: z.number().describe('night Leq limit') }))
      .describe('each zone class of the monitors counted, with its GB 3096-2008 Table 1 limits'),
  }).nullable().describe('noise: the Leq limits its roads are counted against, by zone and period (the period now names the limit the count uses; `target` is the plan’s night target of the year); null for other tiles'),
  status: z.string().describe('met | at risk | breached | insufficient data | reported | manual | pending'),
  meets: z.enum(['all', 'none']).nullable().describe('a live count meets the plan now when it is all of `of` or none; null for other tiles'),
  compliance: z.object({
    targetIds: z.array(z.string()).describe('the targets of seeds/targets.json the figure stands on'),
    period: z.string().describe('the period judged, e.g. 2026-YTD'),
    value: figure.describe('the year-to-date figure (the worst target’s, where several)'),
    status: z.string().describe('the year-to-date verdict: met | at risk | breached | insufficient data | reported'),
  }).nullable().describe('the year-to-date compliance the tile stands on; null where none'),
  link: z.string().describe('where an officer checks the figure: the compliance API with its provenance, or the devices API'),
  provenance: z.array(z.string()).describe('how the figure was made: standards, plan lines, measurements and their points'),
});

export const liveQuerySchema = z.strictObject({
  family: z.enum(familyIds).optional(),
  street: slug.optional(),
});

export type LiveResponse = z.infer<typeof liveResponseSchema>;
export type SeriesResponse = z.infer<typeof seriesResponseSchema>;
export const liveResponseSchema = z.object({
  generatedAt: z.string().describe('when the answer was made (ISO 8601)'),
  district: z.string().describe('the registry’s district'),
  streets: z.array(z.object({ id: z.string().describe('street id (pinyin)'), name: z.string().describe('street name (Chinese)') })).describe('the district’s streets'),
  families: z.array(z.object({
    family: z.enum(familyIds).describe('family id'),
    title: z.string().describe('the family’s title (English)'),
    reportIntervalMs: z.number().describe('the family’s report interval; a device may register its own'),
    units: z.record(z.string(), z.string()).describe('unit of each value key'),
    fieldLabels: z.record(z.string(), bilingual).describe('name of each value key in Chinese and English, from the family module'),
    presentation: z.record(z.string(), z.unknown()).nullable().describe('label, headline keys, map symbol and state labels from the family module (issue 25); null for families with a hand-written panel'),
    devices: z.array(z.object({
      id: z.string().describe('device id'),
      site: z.string().describe('site id (station, section, transformer, lot, road segment)'),
      siteName: z.string().describe('the site’s registered name (Chinese)'),
      street: z.string().describe('street id'),
      lat: z.number().describe('latitude (WGS 84)'),
      lon: z.number().describe('longitude (WGS 84)'),
      online: z.boolean().describe('the device’s last status message (or its Last Will) says online'),
      time: z.string().nullable().describe('the reading’s own time'),
      ageMs: z.number().nullable().describe('since the reading was measured: its stamp, or its receipt when stamped ahead (a reading a logger held for hours is hours old)'),
      reportIntervalMs: z.number().describe('the device’s registered report interval, else its family’s'),
      gapMs: z.number().nullable().describe('between the receipts of its last two readings; null until two have come'),
      judgedIntervalMs: z.number().describe('the interval freshness is counted in: the registered one, or the gap the device shows when shorter (never below its family’s)'),
      freshness: z.enum(['fresh', 'late', 'silent']).describe('late after 2 of its judged intervals (`judgedIntervalMs`), silent after 3'),
      values: z.record(z.string(), z.number()).describe('the latest reading’s values by value key (units in `units`)'),
      state: deviceStateSchema.describe('the latest reading judged by the family’s standard'),
      attributes: z.record(z.string(), z.unknown()).describe('the registry’s attributes of the device (rated kVA, target class, zone class, …)'),
    })).describe('the family’s enabled devices'),
  })).describe('one entry per family, in the registry’s order'),
  tiles: z.array(tileSchema).describe('the seven district tiles'),
  tilesAt: z.string().nullable().describe('when the tiles were last computed (ISO 8601)'),
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
