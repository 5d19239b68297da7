import type { ErrorCode } from '../errors.ts';
import { preview } from './preview.ts';

export interface TimeLimits {
  readonly maxFutureMs: number;
  readonly maxAgeMs: number;
}

export type TimestampResult =
  | { readonly ok: true; readonly timeMs: number }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/**
 * Epoch numbers below 1e11 are seconds, above are milliseconds: 1e11 s lies in the
 * year 5138 and 1e11 ms in 1973, so no plausible reading is ambiguous.
 */
export const secondsMillisecondsBoundary = 1e11;

// ISO 8601 with a zone: a timestamp without an offset is ambiguous (UTC or Beijing time?).
const isoWithZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** A device timestamp in epoch ms, or null when it is none of the accepted forms. */
export function parseDeviceTime(raw: unknown): number | null {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || raw < 0) return null;
    return Math.round(raw < secondsMillisecondsBoundary ? raw * 1_000 : raw);
  }
  if (typeof raw === 'string' && isoWithZone.test(raw)) {
    // Date.parse rolls 2027-02-29 over to 1 March: refuse a day the month does not have.
    const [year, month, day] = raw.slice(0, 10).split('-').map(Number) as [number, number, number];
    if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
    const withColon = raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
    const parsed = Date.parse(withColon);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}

/** The device's own time (or the receive time when it sent none), held against the limits. */
export function resolveTimestamp(raw: unknown, receivedAtMs: number, limits: TimeLimits): TimestampResult {
  if (raw === undefined) return { ok: true, timeMs: receivedAtMs };
  const timeMs = parseDeviceTime(raw);
  if (timeMs === null) {
    return { ok: false, code: 'WX_ERR_BAD_TIMESTAMP', message: `ts ${preview(raw)} is neither epoch ms, epoch s nor ISO 8601 with a zone` };
  }
  return withinLimits(timeMs, receivedAtMs, limits, preview(raw));
}

/**
 * A time already in epoch ms (an HJ 212 DataTime, which parseDataTime reads in the station's
 * zone), held against the limits as it is: never read as epoch seconds. Through resolveTimestamp a
 * DataTime of January 1970 (a logger whose clock reset) came out below 10^11 and was taken for
 * seconds: 1970-01-22 03:00 Beijing time was stored as today (red team 11).
 */
export function withinLimits(timeMs: number, receivedAtMs: number, limits: TimeLimits, shown = String(timeMs)): TimestampResult {
  if (timeMs > receivedAtMs + limits.maxFutureMs) {
    return { ok: false, code: 'WX_ERR_TIME_IN_FUTURE', message: `ts ${shown} is ${timeMs - receivedAtMs} ms ahead of the receive time (limit ${limits.maxFutureMs} ms)` };
  }
  if (timeMs < receivedAtMs - limits.maxAgeMs) {
    return { ok: false, code: 'WX_ERR_TIME_TOO_OLD', message: `ts ${shown} is ${receivedAtMs - timeMs} ms old (limit ${limits.maxAgeMs} ms)` };
  }
  return { ok: true, timeMs };
}
