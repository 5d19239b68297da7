/**
 * Work done one at a time, in the order asked: each read-check-write (a registry change from the
 * current registry, a revocation after reading that nobody revoked) starts when the one before has
 * finished, so two requests at once can no longer both read the same state and both write. Within
 * one process: nodes of a cluster each keep their own turns.
 */
export function createTurns(): <T>(work: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const turn = last.then(work, work);
    last = turn.catch(() => undefined);
    return turn;
  };
}
