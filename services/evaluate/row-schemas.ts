import { z } from 'zod';
import { noiseZoneClasses } from '../families/noise.ts';
import { WATERBODIES, WATER_PARAMETERS, type DailyAqiKey, type HourlyAqiInputKey } from '../standards/index.ts';

/**
 * One strict schema per row kind. Concentrations are µg/m³ (CO mg/m³), water mg/L (pH unitless),
 * noise dB(A). A missing value is left out of the row; null is refused (errors.ts WX_ERR_WRONG_TYPE).
 */
export const ROW_KINDS = ['air-day', 'air-hour', 'water', 'noise'] as const;
export type RowKind = (typeof ROW_KINDS)[number];

const HOUR_MS = 3_600_000;
const DAILY_KEYS = ['so2', 'no2', 'co', 'pm10', 'pm25', 'o3_8h', 'o3_1h'] as const satisfies readonly DailyAqiKey[];
const HOURLY_KEYS = [
  'so2', 'no2', 'co', 'o3', 'pm10', 'pm25', 'o3_8h', 'pm10_24h', 'pm25_24h', 'so2_24h',
] as const satisfies readonly HourlyAqiInputKey[];
const NOISE_LEVELS = ['leq', 'lmax'] as const;

/** CSV columns that hold measured values, read as numbers; all others (id, kind, date, time, waterbody, zone, period) are text. */
export const NUMERIC_COLUMNS: ReadonlySet<string> = new Set([...DAILY_KEYS, ...HOURLY_KEYS, ...WATER_PARAMETERS, ...NOISE_LEVELS]);

const rowId = z.union([z.string().min(1).max(200), z.number()], { error: 'must be a string (1–200 characters) or a number' }).optional();
const calendarDay = z.iso.date({ error: 'must be a calendar day written YYYY-MM-DD' });
const measured = z.number().nonnegative();

// YYYY-MM-DD, T or a space, hh:mm[:ss[.fff]], and a zone (Z or ±hh[:]mm); a time without a zone is
// refused, since it would be read in whatever zone the server runs in.
const ZONED_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function zonedTimeMs(text: string): number | null {
  const match = ZONED_TIME.exec(text);
  if (!match || !calendarDay.safeParse(match[1]).success) return null;
  const [, day, hh, mm, ss = '00', fraction = '', zone = 'Z'] = match;
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) return null;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = Date.parse(`${day}T${hh}:${mm}:${ss}${fraction.slice(0, 4)}${offset}`);
  return Number.isFinite(ms) ? ms : null;
}

/** The hour's label X of the hour X-1…X (HJ 663), with its zone; parsed to epoch ms. */
const hourLabel = z.string().transform((text, context) => {
  const ms = zonedTimeMs(text);
  if (ms === null) {
    context.addIssue({ code: 'custom', message: 'must be an ISO 8601 time with a zone, e.g. 2026-05-01T14:00+08:00', input: text });
    return z.NEVER;
  }
  if (ms % HOUR_MS !== 0) {
    context.addIssue({ code: 'custom', message: 'must be a whole hour (the label of the hour it ends, HJ 663)', input: text });
    return z.NEVER;
  }
  return ms;
});

function optionalValues<K extends string>(keys: readonly K[]): Record<K, z.ZodOptional<typeof measured>> {
  return Object.fromEntries(keys.map((key) => [key, measured.optional()])) as Record<K, z.ZodOptional<typeof measured>>;
}

export const airDayRow = z.strictObject({
  kind: z.literal('air-day'),
  id: rowId,
  date: calendarDay,
  ...optionalValues(DAILY_KEYS),
});

export const airHourRow = z.strictObject({
  kind: z.literal('air-hour'),
  id: rowId,
  time: hourLabel,
  ...optionalValues(HOURLY_KEYS),
});

export const waterRow = z.strictObject({
  kind: z.literal('water'),
  id: rowId,
  date: calendarDay,
  waterbody: z.enum(WATERBODIES),
  ...optionalValues(WATER_PARAMETERS),
});

export const noiseRow = z.strictObject({
  kind: z.literal('noise'),
  id: rowId,
  date: calendarDay,
  zone: z.enum(noiseZoneClasses),
  period: z.enum(['day', 'night']),
  leq: z.number(),
  lmax: z.number().optional(),
});

export type AirDayRow = z.infer<typeof airDayRow>;
export type AirHourRow = z.infer<typeof airHourRow>;
export type WaterRow = z.infer<typeof waterRow>;
export type NoiseRow = z.infer<typeof noiseRow>;

export const rowSchemas = {
  'air-day': airDayRow,
  'air-hour': airHourRow,
  water: waterRow,
  noise: noiseRow,
} as const satisfies Record<RowKind, z.ZodType>;

export function isRowKind(value: unknown): value is RowKind {
  return typeof value === 'string' && (ROW_KINDS as readonly string[]).includes(value);
}
