import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { InfluxClient } from '../storage/influx-client.ts';

/**
 * One part of the platform as the composition root (services/platform.ts) starts and stops it
 * (issue 24, item 4). A part is built with what it needs, does nothing until `start()`, and undoes
 * in its stop steps exactly what its start did, whatever point the start reached: `x?.close()`
 * for each thing it made, so a start that failed half way is undone as far as it got.
 */
export interface Part<Started = void> {
  start(): Promise<Started>;
  /** Stops listening to the other parts (watchers, subscriptions): synchronous, before anything closes. */
  detach?(): void;
  /** Stops what comes in from outside (the doors, the simulators that send into them). */
  stopInput?(): Promise<void>;
  /** Closes the rest, once no part takes input any more. */
  close?(): Promise<void>;
}

export interface Parts {
  /** Starts the part and keeps it to stop: a part whose start throws is stopped too. */
  begin<T>(part: Part<T>): Promise<T>;
  /** Stops every part begun, newest first, in three passes (see below). The first error ends it and is thrown. */
  close(): Promise<void>;
}

/**
 * The parts begun, stopped in the reverse of their start order, in three passes: every part
 * detaches (nothing more flows between parts: no alarm change goes out through a closing broker,
 * no registry edit is applied into a closing one); then every part stops its input (the
 * simulators before the doors they send into; the doors before anything that serves or stores
 * what came through them: an acknowledged reading is in the spool, and the spool is drained
 * after the doors are shut); then every part closes, serving first and storage last.
 */
export function createParts(): Parts {
  const begun: Array<Part<unknown>> = [];
  return {
    async begin(part) {
      begun.push(part);
      return part.start();
    },
    async close() {
      const newestFirst = [...begun].reverse();
      for (const part of newestFirst) part.detach?.();
      for (const part of newestFirst) await part.stopInput?.();
      for (const part of newestFirst) await part.close?.();
    },
  };
}

/** What most parts are built with: the configuration, the log, the metrics, the registry and InfluxDB. */
export interface PartBasics {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly registry: DeviceRegistry;
  readonly influx: InfluxClient;
}
