import { WanxiangError } from '../errors.ts';

/** An instant: epoch milliseconds, a Date, or ISO 8601 text that carries its zone. */
export type Instant = number | Date | string;

/** A calendar day in Beijing time ('YYYY-MM-DD'), or any instant within it. */
export type DayOrInstant = Instant;

// China Standard Time is UTC+8 all year (no daylight saving since 1991).
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const ZONED_PATTERN = /^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/i;

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
