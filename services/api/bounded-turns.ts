import { WanxiangError } from '../errors.ts';
import { createTurns } from '../one-at-a-time.ts';

export interface BoundedTurns {
  /** The work in its turn, or WX_ERR_BUSY at once when `waiting` wait already. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export interface BoundedTurnsOptions {
  /** Works that may wait behind the one running. */
  readonly waiting: number;
  /** What a refused caller is told (WX_ERR_BUSY's message). */
  readonly busyMessage: string;
  readonly onBusy?: () => void;
}

/**
 * Costly work of a read anyone may ask for (a report build, an evaluation: seconds or tenths of the
 * platform's one thread each) one at a time: past `waiting` waiting, refused with 503 WX_ERR_BUSY
 * rather than queued without end, so no caller's requests hold every other answer (red team, HTTP passes).
 */
export function createBoundedTurns(options: BoundedTurnsOptions): BoundedTurns {
  const inTurn = createTurns();
  let held = 0;
  return {
    run<T>(work: () => Promise<T>): Promise<T> {
      if (held > options.waiting) {
        options.onBusy?.();
        return Promise.reject(new WanxiangError('WX_ERR_BUSY', options.busyMessage));
      }
      held += 1;
      return inTurn(work).finally(() => {
        held -= 1;
      });
    },
  };
}
