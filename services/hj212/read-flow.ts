import type { Socket } from 'node:net';

export interface ReadFlow {
  /** A frame taken from the socket waits for the spool (or for its station's turn). */
  added(): void;
  /** A frame is done (answered, or refused). */
  done(): void;
  /** Whether a station of this connection holds more of its frames for its rate than it may (station-holds.ts). */
  stationOverBound(over: boolean): void;
  /** An answer was written past the socket's high-water mark: not read on until the station has read its answers (the socket drains). */
  answersUnread(): void;
}

/**
 * Whether a connection's socket is read (backpressure, issue 20 and red team 5): it is paused
 * while `maxPending` of its frames wait, whatever their stations, and while one station holds more
 * frames for its rate than `hj212.stationFramesHeld` (station-holds.ts: a station merely past its
 * rate no longer stops the reading, its neighbours on the same DTU are read on), and read again
 * once neither holds; and while its answers wait unread past the socket's high-water mark (a
 * station that never reads its socket piled them up in memory without end), until they drain.
 * TCP's window then slows the sender; nothing taken from the socket is
 * dropped, only read later. The frames of the read that crossed a limit are still taken (at most
 * one read of the socket, 64 KiB).
 */
export function createReadFlow(socket: Socket, maxPending: number): ReadFlow {
  let pending = 0;
  let overBound = false;
  let unread = false;
  const update = () => {
    if (socket.destroyed) return;
    const hold = pending >= maxPending || overBound || unread;
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
    stationOverBound(over) {
      overBound = over;
      update();
    },
    answersUnread() {
      if (unread) return;
      unread = true;
      update();
      socket.once('drain', () => {
        unread = false;
        update();
      });
    },
  };
}
