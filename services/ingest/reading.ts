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
