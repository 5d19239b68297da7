import { createBoundedTurns, type BoundedTurns } from './bounded-turns.ts';

/** Report builds that may wait for their turn behind the one being built. */
export const reportBuildsWaiting = 4;
/** What a refused build is told to wait before asking again (seconds). */
export const reportRetryAfterS = 5;

export type ReportTurns = BoundedTurns;

/**
 * Report builds one at a time (red team, HTTP pass): a report costs its queries and seconds of the
 * platform's one thread (the printable page, an xlsx), and three at once held every other request
 * one to three seconds. A build waits behind the one being built; past `waiting` waiting, it is
 * refused with 503 WX_ERR_BUSY and Retry-After rather than queued without end.
 */
export function createReportTurns(options: { waiting?: number; onBusy?: () => void } = {}): ReportTurns {
  const waiting = options.waiting ?? reportBuildsWaiting;
  return createBoundedTurns({ waiting, onBusy: options.onBusy, busyMessage: `a report is being built and ${waiting} wait for their turn: ask again in ${reportRetryAfterS} s` });
}
