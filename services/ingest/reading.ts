import type { ErrorCode } from '../errors.ts';
import type { FamilyId } from '../families/index.ts';

/** One validated, normalised reading: what every part after the door works on. */
export interface Reading {
  readonly family: FamilyId;
  readonly deviceId: string;
  /** The device's own time, epoch ms (receive time when the device sent none). */
  readonly timeMs: number;
  readonly receivedAtMs: number;
  /** Validated values keyed by payload key (pm25, activePower, ...). */
  readonly values: Readonly<Record<string, number>>;
}

/**
 * The latest a reading can have been measured: its stamp, or its receipt where it was stamped ahead
 * of it (a device clock that jumped; ingest takes up to ingest.maxFutureMs ahead). Nothing is
 * measured after the platform received it. What orders a device's readings for the live view and
 * the alarms: ordered by stamp, one reading 5 min ahead made every reading after it look old.
 */
export const measuredByMs = (reading: Pick<Reading, 'timeMs' | 'receivedAtMs'>): number => Math.min(reading.timeMs, reading.receivedAtMs);

/**
 * Whether `next` came after `last` in a device's stream: measured later, or measured at the same
 * moment (a batch stamped ahead, received together) with a later stamp. The same stamp again is
 * the same reading (an MQTT QoS 1 repeat, a replay), never later.
 */
export function comesAfter(next: Pick<Reading, 'timeMs' | 'receivedAtMs'>, last: Pick<Reading, 'timeMs' | 'receivedAtMs'>): boolean {
  if (next.timeMs === last.timeMs) return false;
  const nextMs = measuredByMs(next);
  const lastMs = measuredByMs(last);
  return nextMs > lastMs || (nextMs === lastMs && next.timeMs > last.timeMs);
}

/**
 * Whether `next` takes the place of `shown` as a device's latest state (the live view, the wall, an
 * alarm's latest value): a reading that comes after it, or the same reading again (a repeat refreshes
 * it). One measured before it (a logger's backfill, a replay) never does.
 */
export const replaces = (next: Pick<Reading, 'timeMs' | 'receivedAtMs'>, shown: Pick<Reading, 'timeMs' | 'receivedAtMs'>): boolean =>
  next.timeMs === shown.timeMs || comesAfter(next, shown);

/** Why one message, or one reading of a batch, was refused. */
export interface Rejection {
  readonly code: ErrorCode;
  readonly message: string;
  /** Position in a batch, when the message was one. */
  readonly index?: number;
  /** How many readings the rejection stands for (a refused batch counts all of them). */
  readonly readings: number;
  /**
   * Every problem of the reading when it had more than one (a wrong type and an unknown field):
   * the device is told them all at once (issue 19, item 5); `code` is the first one's.
   */
  readonly causes?: readonly RejectionCause[];
}

export interface RejectionCause {
  readonly code: ErrorCode;
  readonly message: string;
}
