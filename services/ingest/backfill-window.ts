/**
 * A backfill window (issue 19, item 3): for a while, the running platform takes readings as old
 * as `fromMs`, beyond config.ingest.maxAgeMs (7 days by default), so a year of history goes into
 * it without a restart under WX_MAX_AGE_MS. Opened by an admin (POST /api/v1/admin/backfill-window,
 * which `wanxiang backfill --url --admin-token-file` calls); it closes by itself at `untilMs`.
 */
export interface BackfillWindow {
  open(window: { fromMs: number; untilMs: number }): { fromMs: number; untilMs: number };
  close(): void;
  /** The age limit now: the configured one, or back to the window's start while it is open. */
  maxAgeMs(): number;
  readonly current: { fromMs: number; untilMs: number } | null;
}

export function createBackfillWindow(configuredMaxAgeMs: number, now: () => number = Date.now): BackfillWindow {
  let window: { fromMs: number; untilMs: number } | null = null;
  const live = () => {
    if (window && now() >= window.untilMs) window = null;
    return window;
  };
  return {
    open(next) {
      window = { ...next };
      return window;
    },
    close() {
      window = null;
    },
    maxAgeMs() {
      const open = live();
      return open ? Math.max(configuredMaxAgeMs, now() - open.fromMs) : configuredMaxAgeMs;
    },
    get current() {
      return live();
    },
  };
}
