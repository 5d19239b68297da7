/**
 * A budget of log lines per key (a login, an address, a file) and minute, for what can happen in
 * bulk (refusals a client causes, a write failing on a full disk): past it the events are only
 * counted, and the next line said carries how many were held back. Keys may be a client's own
 * words, so at most 10,000 are tracked at once.
 * `say(id)`: null past the id's budget for this minute, else how many lines were held back before this one.
 */
export function createLineBudget(perMinute: number, now: () => number) {
  const windows = new Map<string, { start: number; said: number; held: number }>();
  return {
    say(id: string): number | null {
      const at = now();
      let window = windows.get(id);
      if (window === undefined || at - window.start >= 60_000) {
        if (window === undefined && windows.size >= 10_000) windows.clear(); // ids are a client's own words: bounded
        const held = window?.held ?? 0;
        windows.set(id, (window = { start: at, said: 0, held: 0 }));
        window.said = 1;
        return held;
      }
      if (window.said >= perMinute) {
        window.held += 1;
        return null;
      }
      window.said += 1;
      return 0;
    },
  };
}
