import type { ErrorCode } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { hourOf, type Accounting } from './accounting.ts';
import type { InboundMessage } from './handle-message.ts';
import type { Presence } from './presence.ts';
import type { Reading } from './reading.ts';
import type { RejectionLog } from './rejection-log.ts';
import { recordHeader } from './spool-record.ts';
import { createTurnTally } from './turn-tally.ts';
import type { StuckDetector } from './stuck-detector.ts';

/**
 * What another door (HJ 212 stations, issue 20) hands to ingest for one device: the lines it
 * built through the family modules and the device mapping, the real-time Readings the live
 * bus sees, and the fields it refused. The frame it came in is kept with any refusal.
 */
export interface PreparedRecord {
  readonly device: DeviceRecord;
  readonly lines: readonly string[];
  readonly readings: readonly Reading[];
  readonly refusals: ReadonlyArray<{ readonly code: ErrorCode; readonly message: string }>;
}

export interface PreparedContext {
  readonly receivedAtMs: number;
  /** The raw frame, for the dead-letter. */
  readonly payload: Buffer;
  /** Where it came from, for logs and the dead-letter (`hj212:<MN>`). */
  readonly topic: string;
  /** Sent by a replay, as its credential says: no live alarm (history.ts). */
  readonly history?: boolean;
}

export interface PreparedIntakeDeps {
  readonly accounting: Accounting;
  readonly rejections: RejectionLog;
  readonly presence: Presence;
  readonly stuck: StuckDetector;
  readonly metrics: Metrics;
  readonly onReading?: (reading: Reading, message?: InboundMessage) => void;
  /** Appends one spool record; resolves once it is durable. */
  readonly append: (record: string) => Promise<void>;
}

/**
 * The same accounting, refusal log, live bus and spool as an MQTT message's (handle-message.ts),
 * for records another door prepared: each device's lines become one spool record (header and
 * lines, spool-record.ts), and the promise resolves once all are durable, so that door's
 * acknowledgement (HJ 212's 9014) waits for the spool exactly as the PUBACK does.
 */
export function createPreparedIntake(deps: PreparedIntakeDeps): (records: readonly PreparedRecord[], context: PreparedContext) => Promise<number> {
  // Per family, handed to prom-client once a turn (turn-tally.ts), as the MQTT door does.
  const countReceived = createTurnTally(deps.metrics.readingsReceived, 'family');
  return async (records, context) => {
    const hour = hourOf(context.receivedAtMs);
    const appends: Array<Promise<void>> = [];
    let stored = 0;
    for (const { device, lines, readings, refusals } of records) {
      const received = lines.length + refusals.length;
      if (received === 0) continue;
      deps.accounting.received(device.id, hour, received);
      countReceived(device.family, received);
      for (const refusal of refusals) {
        deps.rejections.record({ ...refusal, readings: 1 }, { device: device.id, topic: context.topic, payload: context.payload });
        deps.accounting.rejected(device.id, hour, refusal.code, 1);
      }
      if (lines.length === 0) continue;
      deps.presence.seen(device.id);
      for (const reading of readings) {
        deps.stuck.check(reading);
        deps.onReading?.(reading, context.history ? { topic: context.topic, payload: context.payload, receivedAtMs: context.receivedAtMs, history: true } : undefined);
      }
      deps.accounting.accepted(device.id, hour, lines.length);
      appends.push(deps.append(recordHeader({ family: device.family, device: device.id, hour }) + lines.join('\n')));
      stored += lines.length;
    }
    // A packet is usually one device's record: its append is awaited alone (no Promise.all a packet).
    if (appends.length === 1) await appends[0];
    else await Promise.all(appends);
    return stored;
  };
}
