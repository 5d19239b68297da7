import type { Socket } from 'node:net';

/** How long, after a station's FIN, its packets still on their way may be answered: a station waits 10 s for an answer (HJ 212-2017 Table 1). */
const answerWaitMs = 10_000;

export interface StationFin {
  /** The station sent its FIN (its side shut; the server socket is half-open). */
  readonly ended: boolean;
  /** A frame of the connection left its answer queue (its answer, if any, is written right after). */
  letGo(): void;
  /** The connection closed. */
  close(): void;
}

/**
 * A station that shuts its side of the connection after sending (FIN), as a one-shot uploader
 * does, and waits for its answers: the packets on their way to the spool are answered, then the
 * connection ends. Ended at the FIN (Node's default), those packets were stored and never
 * answered, so the station sent them again. `onFin` gives up what would wait (its packets held
 * for their rate: a FIN may be a full close, whose station reads nothing more); a frame cut by the
 * FIN is dropped; a packet whose login was checked as the FIN came is stored and answered. The
 * listener is made with allowHalfOpen, so that the FIN alone does not end the platform's side.
 * A login held past the failure limits waits loginFailureDelayMs: the connection
 * ends after answerWaitMs regardless.
 */
export function watchStationFin(socket: Socket, pending: () => number, onFin: () => void): StationFin {
  let ended = false;
  let deadline: NodeJS.Timeout | undefined;
  const endOnceAnswered = () => {
    if (pending() === 0 && !socket.destroyed) socket.end();
  };
  socket.once('end', () => {
    ended = true;
    onFin();
    endOnceAnswered();
    deadline = setTimeout(() => socket.end(), answerWaitMs);
  });
  return {
    get ended() {
      return ended;
    },
    letGo() {
      if (ended) process.nextTick(endOnceAnswered);
    },
    close() {
      clearTimeout(deadline);
    },
  };
}
