/**
 * The answers of one connection, each station's (MN's) in the order its frames came. A data
 * terminal (DTU) carries several analysers, each its own MN, on one connection: answered in the
 * connection's order, one MN's wrong-PW packets, each held for the failure delay before it is
 * refused, held every other station's answers back (red team 11: a good packet answered 45.6 s
 * late behind 25 wrong ones, past a logger's 10 s wait and into its retries). A station's own
 * answers still leave in the order it sent its packets; answers of different stations may
 * interleave.
 *
 * Only frames that can be answered come here, keyed by the MN the parser reads (the one the
 * answer echoes and the login checks; empty for a frame naming none, which is then refused as an
 * unknown MN and waits only behind others of its kind). A frame that cannot be answered
 * (unparseable, or a CRC that does not match: HJ 212-2017 §6.3.1) is refused as it is taken and
 * waits in no queue: its MN is not to be trusted, and in a station's queue line noise, or a frame
 * naming another station, would hold that station's answers back.
 */
export interface AnswerOrder<T> {
  /** A frame of station `mn` taken, in arrival order; `settle` says what became of it (undefined: no answer). */
  add(mn: string): { settle(outcome: T | undefined): void };
  /** Frames taken and not yet let go (their answers sent, or none due): the connection's memory, bounded by its read flow. */
  readonly pending: number;
  /** Stations with frames pending (a queue each, dropped once empty). */
  readonly stations: number;
}

interface Entry<T> {
  done: boolean;
  outcome: T | undefined;
}

/**
 * `send` gets each answer in its station's order; `onLetGo` is told of every frame as it leaves
 * its queue (answered or not), so that the connection counts what it still holds (read-flow.ts).
 */
export function createAnswerOrder<T>(send: (outcome: T) => void, onLetGo: () => void): AnswerOrder<T> {
  const queues = new Map<string, Array<Entry<T>>>();
  let pending = 0;
  const release = (mn: string, queue: Array<Entry<T>>) => {
    while (queue.length > 0 && queue[0]!.done) {
      const { outcome } = queue.shift()!;
      pending -= 1;
      onLetGo();
      if (outcome !== undefined) send(outcome);
    }
    // Only an empty queue is dropped, so no frame still pending refers to a queue no longer in the map.
    if (queue.length === 0) queues.delete(mn);
  };
  return {
    add(mn) {
      let queue = queues.get(mn);
      if (queue === undefined) queues.set(mn, (queue = []));
      const entry: Entry<T> = { done: false, outcome: undefined };
      queue.push(entry);
      pending += 1;
      const own = queue;
      return {
        settle(outcome) {
          // Settled once: a second call would release a queue since dropped, and with it a newer one of the same MN.
          if (entry.done) return;
          entry.outcome = outcome;
          entry.done = true;
          release(mn, own);
        },
      };
    },
    get pending() {
      return pending;
    },
    get stations() {
      return queues.size;
    },
  };
}
