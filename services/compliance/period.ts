import { WanxiangError } from '../errors.ts';
import { DAY_MS, beijingDay, beijingMonthStartMs } from '../standards/beijing-time.ts';

export interface Period {
  /** As asked: `2025`, `2026-YTD`, `2026-03`. */
  readonly id: string;
  readonly kind: 'year' | 'ytd' | 'month';
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
  throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `period ${JSON.stringify(id)} is not YYYY, YYYY-YTD or YYYY-MM`, { value: id });
}

/** Beijing dates (YYYY-MM-DD) of the period's days up to `toMs`. */
export function periodDays(period: Period): string[] {
  const days: string[] = [];
  for (let t = period.fromMs; t < period.toMs; t += DAY_MS) days.push(beijingDay(t));
  return days;
}
