import type { Socket } from 'node:net';

export interface ReadFlow {
  /** A frame taken from the socket waits for the spool. */
  added(): void;
  /** A frame is done (answered, or refused). */
  done(): void;
  /** The station is past its rate: nothing more is read from this socket for `ms` (the longest hold wins). */
  holdFor(ms: number): void;
  close(): void;
}

/**
 * Whether a connection's socket is read (backpressure, issue 20 and red team 5): it is paused
 * while `maxPending` of its frames wait for the spool, and while its station is past its token
 * bucket, and read again once neither holds. TCP's window then slows the station itself; nothing
 * taken from the socket is dropped, only read later.
 */
export function createReadFlow(socket: Socket, maxPending: number, now: () => number = Date.now): ReadFlow {
  let pending = 0;
  let heldUntil = 0;
  let holdTimer: NodeJS.Timeout | undefined;
  const update = () => {
    if (socket.destroyed) return;
    const hold = pending >= maxPending || holdTimer !== undefined;
    if (hold && !socket.isPaused()) socket.pause();
    else if (!hold && socket.isPaused()) socket.resume();
  };
  return {
    added() {
      pending += 1;
      update();
    },
    done() {
      pending -= 1;
      update();
    },
    holdFor(ms) {
      const until = now() + ms;
      if (until <= heldUntil && holdTimer !== undefined) return;
      heldUntil = until;
      clearTimeout(holdTimer);
      holdTimer = setTimeout(() => {
        holdTimer = undefined;
        update();
      }, ms);
      update();
    },
    close() {
      clearTimeout(holdTimer);
      holdTimer = undefined;
    },
  };
}
