import { WanxiangError } from '../errors.ts';

/**
 * The one Beijing-time module of the code base: the standards, the rollups' day windows, the
 * compliance periods, the API's and the command line's date parameters and the simulators all
 * place instants on Beijing days and hours through it.
 */

/** An instant: epoch milliseconds, a Date, or ISO 8601 text that carries its zone. */
export type Instant = number | Date | string;

/** A calendar day in Beijing time ('YYYY-MM-DD'), or any instant within it. */
export type DayOrInstant = Instant;

// China Standard Time is UTC+8 all year (no daylight saving since 1991).
export const BEIJING_OFFSET_MS = 8 * 3_600_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const ZONED_PATTERN = /^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_PATTERN = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?$/;

function badTime(value: unknown): WanxiangError {
  return new WanxiangError('WX_ERR_BAD_TIMESTAMP', 'expected epoch ms, a Date, YYYY-MM-DD or ISO 8601 with a zone', { value });
}

/** Epoch milliseconds of an instant; text without a zone is refused (it would be read in the host's zone). */
export function toEpochMs(at: Instant): number {
  let ms = Number.NaN;
  if (typeof at === 'number') ms = at;
  else if (at instanceof Date) ms = at.getTime();
  else if (typeof at === 'string' && ZONED_PATTERN.test(at)) ms = Date.parse(at);
  if (!Number.isFinite(ms)) throw badTime(at);
  return ms;
}

function isCalendarDay(text: string): boolean {
  if (!DAY_PATTERN.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(text);
}

/** The Beijing calendar day ('YYYY-MM-DD') of an instant, or the day itself when given as 'YYYY-MM-DD'. */
export function beijingDay(at: DayOrInstant): string {
  if (typeof at === 'string' && DAY_PATTERN.test(at)) {
    if (!isCalendarDay(at)) throw badTime(at);
    return at;
  }
  return new Date(toEpochMs(at) + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** The Beijing wall-clock hour (0–23) of an instant. */
export function beijingHour(at: Instant): number {
  return new Date(toEpochMs(at) + BEIJING_OFFSET_MS).getUTCHours();
}

/** Hour of day in Beijing time, fractional (0 ≤ h < 24): the simulators' diurnal curves. */
export function beijingHourOfDay(timeMs: number): number {
  return ((((timeMs + BEIJING_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** The Beijing wall clock as ISO text without a zone, `2025-03-01T08:00:00.000`, for text a reader sees. */
export const beijingWallClock = (timeMs: number): string => new Date(timeMs + BEIJING_OFFSET_MS).toISOString().slice(0, 23);

/** The same instant of the Beijing calendar a year earlier (29 February becomes 1 March). */
export function sameBeijingTimeLastYear(timeMs: number): number {
  const local = new Date(timeMs + BEIJING_OFFSET_MS);
  local.setUTCFullYear(local.getUTCFullYear() - 1);
  return local.getTime() - BEIJING_OFFSET_MS;
}

/** The Beijing wall clock to the minute, `2025-03-01 08:00`, as reports, notices and sheets print it. */
export const beijingMinuteText = (timeMs: number): string => beijingWallClock(timeMs).slice(0, 16).replace('T', ' ');

/** The zone suffix of an instant written in Beijing time. */
export const BEIJING_ZONE_SUFFIX = '+08:00';

/** Days since the epoch counted in Beijing time: the rollups' window number. */
export const beijingDayNumber = (timeMs: number): number => Math.floor((timeMs + BEIJING_OFFSET_MS) / DAY_MS);

/** 00:00 Beijing time of a day number, epoch ms. */
export const beijingDayStartMs = (dayNumber: number): number => dayNumber * DAY_MS - BEIJING_OFFSET_MS;

/** Day of the week in Beijing time, 0 = Sunday (1970-01-01 was a Thursday). */
export const beijingWeekday = (timeMs: number): number => (((beijingDayNumber(timeMs) + 4) % 7) + 7) % 7;

/** 00:00 Beijing time on the first of a month (month 0 = January; overflow rolls into the next year). */
export const beijingMonthStartMs = (year: number, month: number): number => Date.UTC(year, month, 1) - BEIJING_OFFSET_MS;

/** Year and month (0 = January) of an instant in Beijing time. */
export function beijingYearMonth(timeMs: number): { year: number; month: number } {
  const date = new Date(timeMs + BEIJING_OFFSET_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() };
}

/** Fraction of the year (0 = 1 January 00:00) in Beijing time. */
export function yearFraction(timeMs: number): number {
  const { year } = beijingYearMonth(timeMs);
  return (timeMs - beijingMonthStartMs(year, 0)) / (365.25 * DAY_MS);
}

/**
 * The instants a date parameter may name: InfluxDB 1.x keeps time as int64 nanoseconds, from
 * 1677-09-21T00:12:43Z to 2262-04-11T23:47:16Z (models.MinNanoTime/MaxNanoTime), and answers a query
 * beyond them with a 4xx that reached users as WX_ERR_INFLUX_REJECTED (502) while a review mark of
 * year 1500 kept the rollups failing on every run. Whole years inside, with room for the year before
 * a period and the day around a window: 1700-01-01 to 2200-01-01, Beijing time.
 */
export const EARLIEST_QUERYABLE_MS = Date.UTC(1700, 0, 1) - BEIJING_OFFSET_MS;
export const LATEST_QUERYABLE_MS = Date.UTC(2200, 0, 1) - BEIJING_OFFSET_MS;
export const QUERYABLE_YEARS = { from: 1700, to: 2199 } as const;
/** Whether an instant lies in the range a date parameter may name (inclusive of its end, an exclusive `to`). */
export const isQueryableTime = (ms: number): boolean => Number.isFinite(ms) && ms >= EARLIEST_QUERYABLE_MS && ms <= LATEST_QUERYABLE_MS;

function parseOrNull(text: string): number | null {
  const ms = parseAnyYear(text);
  return ms !== null && isQueryableTime(ms) ? ms : null;
}

function parseAnyYear(text: string): number | null {
  const trimmed = text.trim();
  if (DAY_PATTERN.test(trimmed)) return isCalendarDay(trimmed) ? Date.parse(`${trimmed}T00:00:00Z`) - BEIJING_OFFSET_MS : null;
  const local = LOCAL_PATTERN.exec(trimmed);
  if (local) {
    const [, day, hh, mm, ss = '00', fraction = ''] = local;
    if (!isCalendarDay(day!) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) return null;
    return Date.parse(`${day}T${hh}:${mm}:${ss}${fraction}Z`) - BEIJING_OFFSET_MS;
  }
  const zoned = /^(\d{4}-\d{2}-\d{2})T/.exec(trimmed);
  if (!zoned || !isCalendarDay(zoned[1]!) || !ZONED_PATTERN.test(trimmed)) return null;
  const ms = Date.parse(trimmed);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * A date or date-time parameter (API query, command-line flag) as epoch ms. A bare date
 * 'YYYY-MM-DD' is 00:00 of that Beijing day, and a date-time without a zone is Beijing wall-clock
 * time: the district's officers think in Beijing time, and reading them as UTC (or as the host's
 * zone) would shift every day by eight hours. Text with a zone (Z, ±hh:mm) is taken as written.
 * Anything else is WX_ERR_BAD_TIMESTAMP.
 */
export function parseBeijingInstant(text: string): number {
  const ms = parseOrNull(text);
  if (ms === null) {
    if (parseAnyYear(text) !== null) throw new WanxiangError('WX_ERR_BAD_TIMESTAMP', `a date between ${QUERYABLE_YEARS.from} and ${QUERYABLE_YEARS.to} (the years InfluxDB can hold, with room around them)`, { value: text });
    throw badTime(text);
  }
  return ms;
}

/** A date or date-time parameter as epoch ms, or undefined where parseBeijingInstant would refuse it. */
export const tryParseBeijingInstant = (text: string): number | undefined => parseOrNull(text) ?? undefined;

/** Whether a parameter parses as a Beijing date or date-time (for schema refinements). */
export const isBeijingInstant = (text: string): boolean => parseOrNull(text) !== null;
