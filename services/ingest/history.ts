import type { InboundMessage } from './handle-message.ts';
import type { Reading } from './reading.ts';

/** How old a reading may be, at its arrival, and still be live for the alarms. */
export const liveAlarmAgeMs = 15 * 60_000;

/**
 * Issue 21: a backfill (or a replay) raised "device silent" and threshold alarms that went to
 * the alarm history and the webhooks. A reading is history, and raises no live alarm, when a
 * replay or backfill sent it (known by the credential it logged in with, never by its client id:
 * red team 6), or when it was already more than 15 minutes old on arrival; it is stored, rolled up
 * and counted as any other.
 */
export function isHistory(reading: Reading, message: Pick<InboundMessage, 'history'> | undefined): boolean {
  if (reading.receivedAtMs - reading.timeMs > liveAlarmAgeMs) return true;
  return message?.history === true;
}
