/**
 * Failed logins per key (a client address, a device id) in a sliding window: past the
 * limit, further logins for that key are refused until the window has passed, so a
 * brute-force guesser gets a handful of tries a minute, not thousands.
 */
export function createLoginThrottle(options: { windowMs: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const failures = new Map<string, number[]>();
  let sweptAt = now();
  /** A key's failures in the window, pruned in place (each failure copied the whole list: O(n) a failure, red team 3). */
  const recent = (key: string): number[] => {
    const times = failures.get(key);
    if (!times) return [];
    const cutoff = now() - options.windowMs;
    let old = 0;
    while (old < times.length && times[old]! <= cutoff) old += 1;
    if (old > 0) times.splice(0, old);
    if (times.length === 0) failures.delete(key);
    return times;
  };
  /**
   * Keys were dropped only when asked about again: a guesser's key (an address and an MN or a
   * client id of its choosing, never seen again) stayed for good, and memory grew with every
   * one (red team 3). Once a window, every key whose last failure is past it goes.
   */
  const sweep = () => {
    const at = now();
    if (at - sweptAt < options.windowMs) return;
    sweptAt = at;
    for (const [key, times] of failures) if (times[times.length - 1]! <= at - options.windowMs) failures.delete(key);
  };
  return {
    isThrottled: (key: string, limit: number) => recent(key).length >= limit,
    recordFailure(key: string): void {
      sweep();
      const times = recent(key);
      times.push(now());
      if (times.length === 1) failures.set(key, times);
    },
    /** Keys with failures kept now (a metric's value). */
    get size(): number {
      return failures.size;
    },
  };
}
