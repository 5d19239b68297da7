/**
 * How much a device's refusals may write (issue 18, item 10): dead-letter bytes and warn lines
 * per device and minute. Past its budget a refusal is still counted (metrics, per-device counts,
 * accounting) but not written; what was held back is summed per device and said in one summary
 * line a minute. One device's flood then cannot rotate away another device's evidence, nor
 * drown the log.
 *
 * Refusals that no registered device owns (an unknown id, a topic that names none) share one
 * budget, `(unregistered)`: the ids are the sender's to choose.
 */
export interface RefusalBudgetLimits {
  readonly deviceBytesPerMinute: number;
  readonly deviceLogLinesPerMinute: number;
}

interface Spent {
  bytes: number;
  lines: number;
  heldRecords: number;
  heldBytes: number;
  heldLines: number;
}

export interface HeldBack {
  readonly device: string;
  readonly records: number;
  readonly bytes: number;
  readonly lines: number;
}

/** Past this many owners in one minute, the rest share one budget: the map cannot be grown at will. */
const maxOwnersPerWindow = 10_000;

export function createRefusalBudget(limits: RefusalBudgetLimits, now: () => number) {
  const windowMs = 60_000;
  let windowStart = now();
  let spent = new Map<string, Spent>();

  function account(owner: string): Spent {
    if (now() - windowStart >= windowMs) {
      // A new minute: budgets start over; what was held back stays for the summary.
      for (const entry of spent.values()) {
        entry.bytes = 0;
        entry.lines = 0;
      }
      windowStart = now();
    }
    let entry = spent.get(owner);
    if (entry === undefined) {
      const key = spent.size >= maxOwnersPerWindow ? '(others)' : owner;
      entry = spent.get(key);
      if (entry === undefined) spent.set(key, (entry = { bytes: 0, lines: 0, heldRecords: 0, heldBytes: 0, heldLines: 0 }));
    }
    return entry;
  }

  return {
    /** True when the owner may write this many dead-letter bytes now; else it is noted as held back. */
    takeBytes(owner: string, bytes: number): boolean {
      const entry = account(owner);
      if (entry.bytes + bytes <= limits.deviceBytesPerMinute) {
        entry.bytes += bytes;
        return true;
      }
      entry.heldRecords += 1;
      entry.heldBytes += bytes;
      return false;
    },
    /** True when the owner may write one more warn line now; else it is noted as held back. */
    takeLine(owner: string): boolean {
      const entry = account(owner);
      if (entry.lines < limits.deviceLogLinesPerMinute) {
        entry.lines += 1;
        return true;
      }
      entry.heldLines += 1;
      return false;
    },
    /** What was held back since the last call, most first; forgets it (and owners with nothing left to say). */
    takeHeldBack(): HeldBack[] {
      const held: HeldBack[] = [];
      for (const [device, entry] of spent) {
        if (entry.heldRecords > 0 || entry.heldLines > 0) held.push({ device, records: entry.heldRecords, bytes: entry.heldBytes, lines: entry.heldLines });
      }
      if (now() - windowStart >= windowMs) {
        spent = new Map();
        windowStart = now();
      } else {
        for (const entry of spent.values()) entry.heldRecords = entry.heldBytes = entry.heldLines = 0;
      }
      return held.sort((a, b) => b.records + b.lines - (a.records + a.lines));
    },
  };
}

export type RefusalBudget = ReturnType<typeof createRefusalBudget>;
