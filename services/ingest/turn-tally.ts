import type { Counter } from 'prom-client';

/**
 * Counts per label value and hands the sums to a prom-client counter once per turn of the event
 * loop: its inc() hashes and checks the labels on every call (about a microsecond), once a
 * message otherwise. A scrape sees a count at most one turn late, always before the message's
 * acknowledgement, which waits for an fsync.
 */
export function createTurnTally(counter: Counter<string>, label: string): (value: string, count: number) => void {
  const pending = new Map<string, number>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    for (const [value, count] of pending) if (count > 0) counter.inc({ [label]: value }, count);
    pending.clear();
  };
  return (value, count) => {
    pending.set(value, (pending.get(value) ?? 0) + count);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
