import type { InboundMessage } from './handle-message.ts';
import type { Reading } from './reading.ts';

/**
 * Client ids the tools publish under (`<device>-<tool>-<hex>`, simulators/device-client.ts toolClientId): their readings
 * are history or a rerun of it, never the district as it is now.
 */
const historyTools = ['-backfill-', '-replay-'];

/** How old a reading may be, at its arrival, and still be live for the alarms. */
export const liveAlarmAgeMs = 15 * 60_000;

/**
 * Issue 21: a backfill (or a replay) raised "device silent" and threshold alarms that went to
 * the alarm history and the webhooks. A reading is history, and raises no live alarm, when a tool
 * sent it, or when it was already more than 15 minutes old on arrival; it is stored, rolled up and
 * counted as any other.
 */
export function isHistory(reading: Reading, message: InboundMessage | undefined): boolean {
  if (reading.receivedAtMs - reading.timeMs > liveAlarmAgeMs) return true;
  const session = message?.session;
  return session !== undefined && historyTools.some((prefix) => session.includes(prefix));
}
