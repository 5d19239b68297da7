import type { Period } from '../compliance/period.ts';

/** How long a period's plan evaluations are kept: a period that is over changes only by late data, reviews and backfills. */
export const planCacheTtlMs = { complete: 60_000, running: 15_000 } as const;
const maxPeriods = 32;

export interface PlanCache {
  /** The period's evaluations: kept ones while fresh, else built (once, however many ask at the same time). */
  get<T>(period: Period, build: () => Promise<T>): Promise<T>;
}

/**
 * The plan table's evaluations per period, kept a short while (red team, HTTP pass: a printable
 * report evaluates the year and each of its months, seconds of the platform's one thread, and
 * anyone could ask for it again and again). Nothing tells this node when the rollups or the review
 * marks change (a cluster's leader rolls up in another process), so a kept table is at most a
 * minute old, a running period's 15 s. A build that fails is not kept.
 */
export function createPlanCache(options: { now?: () => number; onBuilt?: () => void; onKept?: () => void } = {}): PlanCache {
  const now = options.now ?? Date.now;
  const kept = new Map<string, { expiresAtMs: number; value: Promise<unknown> }>();
  return {
    get<T>(period: Period, build: () => Promise<T>): Promise<T> {
      // A period by its span, not its spelling (`2026-ytd`, `2026-YTD`).
      const key = `${period.kind}:${period.fromMs}:${period.fullToMs}`;
      const at = now();
      const entry = kept.get(key);
      if (entry && entry.expiresAtMs > at) {
        options.onKept?.();
        return entry.value as Promise<T>;
      }
      for (const [other, { expiresAtMs }] of kept) if (expiresAtMs <= at) kept.delete(other);
      // The oldest period gives way (a Map iterates in insertion order).
      if (kept.size >= maxPeriods) kept.delete(kept.keys().next().value!);
      options.onBuilt?.();
      const value = build();
      kept.set(key, { expiresAtMs: at + (period.complete ? planCacheTtlMs.complete : planCacheTtlMs.running), value });
      value.catch(() => {
        if (kept.get(key)?.value === value) kept.delete(key);
      });
      return value;
    },
  };
}
