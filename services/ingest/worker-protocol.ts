import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { TelemetryOutcome } from './telemetry-record.ts';

/**
 * One hand-over to an ingest worker: every message of one turn routed to it, as parallel
 * arrays and one transferred buffer of payloads (one postMessage a turn, not one a message).
 */
export interface WorkerBatch {
  readonly id: number;
  /** Device records the worker has not seen in this version (the registry replaces records on a change). */
  readonly devices: readonly DeviceRecord[];
  readonly ids: readonly string[];
  /** The payloads back to back; message i ends at ends[i]. */
  readonly bytes: ArrayBuffer;
  readonly ends: Uint32Array;
  readonly times: Float64Array;
  /** The oldest reading taken now (a backfill window may be open): read once a batch. */
  readonly maxAgeMs: number;
}

export interface WorkerReply {
  readonly id: number;
  /** In the batch's order; `thrown` for a message whose parsing failed unexpectedly. */
  readonly outcomes: Array<TelemetryOutcome | { readonly thrown: string }>;
}
