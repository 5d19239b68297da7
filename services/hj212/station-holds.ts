/**
 * One connection's frames waiting for their station's rate (station-rate.ts), each station's in a
 * line of its own. A data terminal (DTU) carries several analysers, each its own MN, on one TCP
 * connection: the socket used to be paused for every wait, so one analyser past its rate held its
 * neighbours' packets and answers back too (their loggers timed out and resent, or fell behind).
 * Now only the station's own frames wait. The connection is read on while that station holds at
 * most `maxHeld` frames here, and is paused (TCP backpressure, read-flow.ts) only while a station
 * holds more, so what a flooding station costs stays bounded; nothing is dropped.
 *
 * A station's frames leave its line in the order they came, each no sooner than its own wait
 * ended: one timer a station, not one a frame, and no reliance on timers of different lengths
 * firing in order. Its answers already keep that order (answer-order.ts); its spool appends do too.
 */
export interface StationHolds {
  /**
   * A frame of `station` that the rate says must wait `waitMs` (0: none): the promise of its turn,
   * behind the station's earlier frames held here; undefined when it may go at once (no wait and
   * none of the station's frames held), so that the common path awaits nothing.
   */
  turnOf(station: string, waitMs: number): Promise<void> | undefined;
  /** Frames of `station` held here now. */
  held(station: string): number;
  /** The connection closed, or its station sent its FIN: every turn that waits comes at once (its frames, gone with their connection, are then neither stored nor answered). */
  close(): void;
}

interface HeldFrame {
  readonly until: number;
  readonly go: () => void;
}

/** A station's frames held, oldest first from `head` (an index, so that letting one go copies nothing). */
interface Line {
  frames: HeldFrame[];
  head: number;
  timer: NodeJS.Timeout | undefined;
}

const heldIn = (line: Line) => line.frames.length - line.head;

/**
 * `onOverBound(true)` once some station holds more than `maxHeld` frames (the connection is then not
 * read), `onOverBound(false)` once none does.
 */
export function createStationHolds(maxHeld: number, onOverBound: (over: boolean) => void, now: () => number = Date.now): StationHolds {
  const lines = new Map<string, Line>();
  /** Stations holding more than maxHeld frames. */
  let overBound = 0;
  let closed = false;
  const countOver = (delta: 1 | -1) => {
    const wasOver = overBound > 0;
    overBound += delta;
    if (overBound > 0 !== wasOver) onOverBound(overBound > 0);
  };
  const letDueGo = (station: string, line: Line) => {
    line.timer = undefined;
    const at = now();
    const wasOver = heldIn(line) > maxHeld;
    while (heldIn(line) > 0 && line.frames[line.head]!.until <= at) {
      const { go } = line.frames[line.head]!;
      line.head += 1;
      go();
    }
    if (wasOver && heldIn(line) <= maxHeld) countOver(-1);
    if (heldIn(line) === 0) {
      lines.delete(station);
      return;
    }
    if (line.head > 64 && line.head * 2 > line.frames.length) {
      line.frames = line.frames.slice(line.head);
      line.head = 0;
    }
    line.timer = setTimeout(letDueGo, line.frames[line.head]!.until - at, station, line);
  };
  return {
    turnOf(station, waitMs) {
      // Closed meanwhile: a frame that would wait has its turn now, and the receiver finds the
      // connection gone; one that need not wait goes on (after a station's FIN, it is answered).
      if (closed) return waitMs > 0 ? Promise.resolve() : undefined;
      let line = lines.get(station);
      if (waitMs <= 0 && line === undefined) return undefined;
      if (line === undefined) lines.set(station, (line = { frames: [], head: 0, timer: undefined }));
      const own = line;
      const until = now() + waitMs;
      return new Promise<void>((go) => {
        own.frames.push({ until, go });
        if (heldIn(own) === maxHeld + 1) countOver(1);
        // The first frame of its line starts the line's timer; the others wait behind it.
        if (heldIn(own) === 1) own.timer = setTimeout(letDueGo, waitMs, station, own);
      });
    },
    held: (station) => {
      const line = lines.get(station);
      return line === undefined ? 0 : heldIn(line);
    },
    close() {
      for (const line of lines.values()) {
        clearTimeout(line.timer);
        for (let i = line.head; i < line.frames.length; i += 1) line.frames[i]!.go();
      }
      lines.clear();
      overBound = 0;
      closed = true;
    },
  };
}
