import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.ts';
import { describePayload, type DeadLetterFile } from './dead-letter.ts';
import type { Rejection } from './reading.ts';

export interface RejectionContext {
  readonly device?: string;
  readonly topic?: string;
  readonly payload?: Buffer;
}

export interface RejectionLog {
  record(rejection: Rejection, context: RejectionContext): void;
  /** Rejected readings per device and reason code, since start. */
  byDevice(): Record<string, Record<string, number>>;
}

/** One place where a refusal is counted, logged with its code and kept in the dead-letter file. */
export function createRejectionLog(deps: { metrics: Metrics; log: Logger; deadLetter: DeadLetterFile; maxPayloadBytes: number; now: () => number; onRecord?: (rejection: Rejection, context: RejectionContext) => void }): RejectionLog {
  const counts = new Map<string, Map<string, number>>();
  return {
    record(rejection, context) {
      const device = context.device ?? '(unknown)';
      deps.metrics.readingsRejected.inc({ reason: rejection.code }, rejection.readings);
      const perDevice = counts.get(device) ?? new Map<string, number>();
      perDevice.set(rejection.code, (perDevice.get(rejection.code) ?? 0) + rejection.readings);
      counts.set(device, perDevice);
      deps.log.warn({ code: rejection.code, device, topic: context.topic, index: rejection.index }, rejection.message);
      deps.deadLetter.append({
        at: new Date(deps.now()).toISOString(),
        code: rejection.code,
        message: rejection.message,
        device: context.device,
        topic: context.topic,
        index: rejection.index,
        ...(context.payload ? describePayload(context.payload, deps.maxPayloadBytes) : {}),
      });
      deps.metrics.deadLetters.inc();
      deps.onRecord?.(rejection, context);
    },
    byDevice() {
      return Object.fromEntries([...counts].map(([device, reasons]) => [device, Object.fromEntries(reasons)]));
    },
  };
}
