import { WanxiangError } from '../errors.ts';
import { DAY_MS, QUERYABLE_YEARS, beijingDay, beijingMonthStartMs } from '../standards/beijing-time.ts';

export interface Period {
  /** As asked: `2025`, `2026-YTD`, `2026-03`, `2025-Q2`, `2025-H1`. */
  readonly id: string;
  readonly kind: 'year' | 'ytd' | 'month' | 'quarter' | 'half';
  readonly year: number;
  /** Epoch ms, Beijing-time boundaries; `to` is exclusive. */
  readonly fromMs: number;
  readonly toMs: number;
  /** The period's whole length, for projections and completeness. */
  readonly fullToMs: number;
  /** True once the period is over. */
  readonly complete: boolean;
}

const beijing = beijingMonthStartMs;

/** Parses a compliance period; an unknown form is refused with WX_ERR_INVALID_ARGUMENT. */
export function parsePeriod(id: string, nowMs: number): Period {
  // A year InfluxDB cannot hold (1500, 9999) would come back from it as a 4xx; years 0-99 are not
  // even that year (Date.UTC reads 0050 as 1950). Refused before any query (beijing-time.ts).
  const leading = /^(\d{4})/.exec(id);
  if (leading && (Number(leading[1]) < QUERYABLE_YEARS.from || Number(leading[1]) > QUERYABLE_YEARS.to)) {
    throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `period ${JSON.stringify(id)}: a year from ${QUERYABLE_YEARS.from} to ${QUERYABLE_YEARS.to}`, { value: id });
  }
  const year = /^(\d{4})$/.exec(id);
  if (year) {
    const y = Number(year[1]);
    return { id, kind: 'year', year: y, fromMs: beijing(y, 0), toMs: beijing(y + 1, 0), fullToMs: beijing(y + 1, 0), complete: beijing(y + 1, 0) <= nowMs };
  }
  const ytd = /^(\d{4})-YTD$/i.exec(id);
  if (ytd) {
    const y = Number(ytd[1]);
    const end = beijing(y + 1, 0);
    return { id, kind: 'ytd', year: y, fromMs: beijing(y, 0), toMs: Math.min(end, nowMs), fullToMs: end, complete: end <= nowMs };
  }
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(id);
  if (month) {
    const y = Number(month[1]);
    const m = Number(month[2]) - 1;
    return { id, kind: 'month', year: y, fromMs: beijing(y, m), toMs: beijing(y, m + 1), fullToMs: beijing(y, m + 1), complete: beijing(y, m + 1) <= nowMs };
  }
  // Quarters and halves (issue 22 item 4), as bulletins report them: whole calendar quarters and halves, Beijing time.
  const part = /^(\d{4})-(Q[1-4]|H[12])$/i.exec(id);
  if (part) {
    const y = Number(part[1]);
    const quarter = part[2]!.toUpperCase().startsWith('Q');
    const index = Number(part[2]!.slice(1)) - 1;
    const months = quarter ? 3 : 6;
    const fromMs = beijing(y, index * months);
    const toMs = beijing(y, (index + 1) * months);
    return { id: id.toUpperCase(), kind: quarter ? 'quarter' : 'half', year: y, fromMs, toMs, fullToMs: toMs, complete: toMs <= nowMs };
  }
  throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `period ${JSON.stringify(id)} is not YYYY, YYYY-YTD, YYYY-MM, YYYY-Q1..Q4 or YYYY-H1..H2`, { value: id });
}

/**
 * Whether the plan's targets, all annual, are judged by this period: only by a whole year once it is
 * over (a year, or a year to date at its end). A month, a quarter or a half, closed or not, and a year
 * still running give a projection of the year from the data they hold, never met or breached for
 * good (docs/officers.md "A part of a year"): February 2024 closed was answered `breached` of the
 * PM2.5 annual mean, while the page said a part of a year is not judged.
 */
export const judgesAnnualTargets = (period: Period): boolean => period.complete && (period.kind === 'year' || period.kind === 'ytd');

/** Beijing dates (YYYY-MM-DD) of the period's days up to `toMs`. */
export function periodDays(period: Period): string[] {
  const days: string[] = [];
  for (let t = period.fromMs; t < period.toMs; t += DAY_MS) days.push(beijingDay(t));
  return days;
}
