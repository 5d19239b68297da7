import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.ts';

export interface AccountRow {
  readonly device: string;
  /** Start of the hour the readings were received in, epoch ms. */
  readonly hour: number;
  received: number;
  written: number;
  rejected: Record<string, number>;
  /** Accepted and not yet written: batching, spooled or in flight. */
  pending: number;
  /** Readings an earlier run accepted and this one found in the spool at start: owed like pending ones. */
  recovered: number;
}

/** How the spool an earlier run left was reconciled: counted at start, then looked up in InfluxDB once written. */
export interface RecoveryCheck {
  /** Spool records and readings found at start (rows' `recovered`). */
  records: number;
  readings: number;
  /** Recovered readings whose points were looked up in InfluxDB once written, and how many were there. */
  sampled: number;
  found: number;
  /** `pending` until the recovered records are written; then `reconciled` or `missing`. */
  state: 'none' | 'pending' | 'reconciled' | 'missing';
}

export interface Accounting {
  received(device: string, hour: number, readings: number): void;
  rejected(device: string, hour: number, code: string, readings: number): void;
  /** `readings` (default 1) accepted into the spool. */
  accepted(device: string, hour: number, readings?: number): void;
  /** `readings` (default 1) stored by InfluxDB. */
  written(device: string, hour: number, readings?: number): void;
  quarantined(device: string, hour: number, code: string): void;
  /** Readings of an earlier run found in the spool at start, for its device and hour of receipt. */
  recoveredFromSpool(device: string, hour: number, readings: number): void;
  /** The reconciliation of what an earlier run left (see RecoveryCheck). */
  recovery: RecoveryCheck;
  /** Rows of the last `hours` hours, each with its unexplained gap. */
  report(hours: number): Array<AccountRow & { gap: number }>;
  /** Flags rows where received ≠ written + rejected + pending: counted, logged as errors. */
  check(): number;
  /** Readings accepted and not yet written, over all rows. */
  pendingTotal(): number;
}

const hourMs = 3_600_000;
export const hourOf = (timeMs: number) => Math.floor(timeMs / hourMs) * hourMs;

/**
 * Per device and hour of receipt: received = written + rejected (by reason) + pending.
 * Each term is counted where it happens, so a reading that vanished shows as a gap.
 */
export function createAccounting(deps: { metrics: Metrics; log: Logger; now: () => number; keepHours?: number }): Accounting {
  const rows = new Map<string, AccountRow>();
  // The hot path asks for each message's row twice and devices interleave, so each device's
  // latest row is kept at hand by device: no `device|hour` key is built per message.
  const latest = new Map<string, AccountRow>();
  const row = (device: string, hour: number): AccountRow => {
    const recent = latest.get(device);
    if (recent !== undefined && recent.hour === hour) return recent;
    const key = `${device}|${hour}`;
    let entry = rows.get(key);
    if (!entry) rows.set(key, (entry = { device, hour, received: 0, written: 0, rejected: {}, pending: 0, recovered: 0 }));
    // The latest hour stays at hand; a late write of an earlier hour does not displace it.
    if (recent === undefined || hour >= recent.hour) latest.set(device, entry);
    return entry;
  };
  const rejectedTotal = (entry: AccountRow) => Object.values(entry.rejected).reduce((a, b) => a + b, 0);
  // Readings owed are those received by this run and those recovered from the spool of an earlier
  // one; a write nobody was owed (not accepted, not recovered) shows as a negative gap.
  const gapOf = (entry: AccountRow) => entry.received + entry.recovered - entry.written - rejectedTotal(entry) - entry.pending;
  const reject = (entry: AccountRow, code: string, readings: number) => (entry.rejected[code] = (entry.rejected[code] ?? 0) + readings);

  const recovery: RecoveryCheck = { records: 0, readings: 0, sampled: 0, found: 0, state: 'none' };
  return {
    received: (device, hour, readings) => void (row(device, hour).received += readings),
    rejected: (device, hour, code, readings) => void reject(row(device, hour), code, readings),
    accepted: (device, hour, readings = 1) => void (row(device, hour).pending += readings),
    written(device, hour, readings = 1) {
      const entry = row(device, hour);
      entry.pending -= Math.min(readings, Math.max(0, entry.pending));
      entry.written += readings;
    },
    quarantined(device, hour, code) {
      const entry = row(device, hour);
      if (entry.pending > 0) entry.pending -= 1;
      reject(entry, code, 1);
    },
    recoveredFromSpool(device, hour, readings) {
      const entry = row(device, hour);
      entry.recovered += readings;
      entry.pending += readings;
    },
    recovery,
    pendingTotal: () => {
      let total = 0;
      for (const entry of rows.values()) total += entry.pending;
      return total;
    },
    report(hours) {
      const since = hourOf(deps.now()) - (hours - 1) * hourMs;
      return [...rows.values()].filter((entry) => entry.hour >= since).map((entry) => ({ ...entry, rejected: { ...entry.rejected }, gap: gapOf(entry) }));
    },
    check() {
      const keepSince = hourOf(deps.now()) - (deps.keepHours ?? 48) * hourMs;
      let unexplained = 0;
      for (const [key, entry] of rows) {
        const gap = gapOf(entry);
        if (gap !== 0) {
          unexplained += Math.abs(gap);
          deps.log.error({ code: 'WX_ERR_ACCOUNTING_GAP', device: entry.device, hour: new Date(entry.hour).toISOString(), gap, entry }, 'readings unaccounted for');
        }
        if (entry.hour < keepSince && entry.pending === 0 && gap === 0) {
          rows.delete(key);
          if (latest.get(entry.device) === entry) latest.delete(entry.device);
        }
      }
      if (recovery.state === 'missing') unexplained += recovery.sampled - recovery.found;
      deps.metrics.accountingGap.set(unexplained);
      return unexplained;
    },
  };
}
