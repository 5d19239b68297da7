/**
 * The answers of one connection, each station's (MN's) in the order its frames came. A data
 * terminal (DTU) carries several analysers, each its own MN, on one connection: answered in the
 * connection's order, one MN's wrong-PW packets, each held for the failure delay before it is
 * refused, held every other station's answers back (red team 11: a good packet answered 45.6 s
 * late behind 25 wrong ones, past a logger's 10 s wait and its retries). A frame whose MN cannot
 * be read is ordered with the others of its kind.
 */
export interface AnswerOrder<T> {
  /** A frame taken, in arrival order; `settle` gives what became of it (undefined: no answer). */
  add(mn: string): { settle(outcome: T | undefined): void };
}

/** The MN of a segment as written (`...;MN=<digits>;...`), read without parsing the rest. */
export function peekMn(segment: Buffer): string {
  const at = segment.indexOf('MN=');
  if (at === -1) return '';
  const end = segment.indexOf(';', at + 3);
  return segment.toString('latin1', at + 3, end === -1 ? Math.min(segment.length, at + 3 + 64) : Math.min(end, at + 3 + 64));
}

export function createAnswerOrder<T>(send: (outcome: T) => void, onDone: () => void): AnswerOrder<T> {
  const queues = new Map<string, Array<{ done: boolean; outcome: T | undefined }>>();
  const release = (mn: string, queue: Array<{ done: boolean; outcome: T | undefined }>) => {
    while (queue.length > 0 && queue[0]!.done) {
      const { outcome } = queue.shift()!;
      onDone();
      if (outcome !== undefined) send(outcome);
    }
    if (queue.length === 0) queues.delete(mn);
  };
  return {
    add(mn) {
      let queue = queues.get(mn);
      if (queue === undefined) queues.set(mn, (queue = []));
      const entry: { done: boolean; outcome: T | undefined } = { done: false, outcome: undefined };
      queue.push(entry);
      const held = queue;
      return {
        settle(outcome) {
          entry.outcome = outcome;
          entry.done = true;
          release(mn, held);
        },
      };
    },
  };
}
