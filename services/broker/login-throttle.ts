/**
 * Failed logins per key (a client address, a device id) in a sliding window: past the
 * limit, further logins for that key are refused until the window has passed, so a
 * brute-force guesser gets a handful of tries a minute, not thousands.
 */
export function createLoginThrottle(options: { windowMs: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const failures = new Map<string, number[]>();
  const recent = (key: string) => {
    const cutoff = now() - options.windowMs;
    const kept = (failures.get(key) ?? []).filter((at) => at > cutoff);
    if (kept.length) failures.set(key, kept);
    else failures.delete(key);
    return kept;
  };
  return {
    isThrottled: (key: string, limit: number) => recent(key).length >= limit,
    recordFailure(key: string): void {
      failures.set(key, [...recent(key), now()]);
    },
  };
}
