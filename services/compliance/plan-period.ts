import { WanxiangError } from '../errors.ts';
import { parsePeriod, type Period } from './period.ts';

/**
 * The years of the plan the targets belong to (十四五, 2021-2025). A report of another year has no
 * target to hold: 2027 judged against the 14th plan's targets is not a report of anything (issue 22
 * item 4). The wall's own year-to-date tiles go through parsePeriod; what an officer asks for (the
 * compliance API, the official tables, the printable page, `wanxiang report`) goes through here.
 */
export const PLAN_YEARS = { first: 2021, last: 2025 } as const;

/** The forms a plan period takes, as errors and --help say it. */
export const PLAN_PERIOD_FORMS = `a year of the ${PLAN_YEARS.first}-${PLAN_YEARS.last} plan (2025), a year to date (2025-YTD), a month (2025-03), a quarter (2025-Q2) or a half (2025-H1)`;

/** Whether a year is one of the plan's. */
export const isPlanYear = (year: number): boolean => year >= PLAN_YEARS.first && year <= PLAN_YEARS.last;

/**
 * A period an officer asks for: a form parsePeriod reads, in a year of the plan. Anything else is
 * refused with WX_ERR_INVALID_ARGUMENT (400) naming the plan's years and the value that failed.
 */
export function parsePlanPeriod(id: string, nowMs: number): Period {
  const period = parsePeriod(id, nowMs);
  if (!isPlanYear(period.year)) {
    throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `period ${JSON.stringify(id)} is outside the plan: its targets are those of the ${PLAN_YEARS.first}-${PLAN_YEARS.last} plan, so the period must lie in ${PLAN_YEARS.first}-${PLAN_YEARS.last}`, { value: id });
  }
  return period;
}
