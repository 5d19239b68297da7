import { WanxiangError } from '../errors.ts';
import { createTurns } from '../one-at-a-time.ts';

/** Report builds that may wait for their turn behind the one being built. */
export const reportBuildsWaiting = 4;
/** What a refused build is told to wait before asking again (seconds). */
export const reportRetryAfterS = 5;

export interface ReportTurns {
  /** The work in its turn, or WX_ERR_BUSY at once when `reportBuildsWaiting` wait already. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Report builds one at a time (red team, HTTP pass): a report costs its queries and seconds of the
 * platform's one thread (the printable page, an xlsx), and three at once held every other request
 * one to three seconds. A build waits behind the one being built; past `waiting` waiting, it is
 * refused with 503 WX_ERR_BUSY and Retry-After rather than queued without end.
 */
export function createReportTurns(options: { waiting?: number; onBusy?: () => void } = {}): ReportTurns {
  const waiting = options.waiting ?? reportBuildsWaiting;
  const inTurn = createTurns();
  let held = 0;
  return {
    run<T>(work: () => Promise<T>): Promise<T> {
      if (held > waiting) {
        options.onBusy?.();
        return Promise.reject(new WanxiangError('WX_ERR_BUSY', `a report is being built and ${waiting} wait for their turn: ask again in ${reportRetryAfterS} s`));
      }
      held += 1;
      return inTurn(work).finally(() => {
        held -= 1;
      });
    },
  };
}
