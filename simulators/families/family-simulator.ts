import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import type { Rng } from '../rng.ts';

export interface SimulationContext {
  /** The run's seed: district weather and per-day variation derive from it. */
  readonly seed: number;
  /** This reading's own generator, seeded from (seed, device, time). */
  readonly rng: Rng;
  /** How long the reading covers (a rain gauge's mm per interval): the fleet's or backfill's step; else the family's interval. */
  readonly intervalMs?: number;
  /** When the running fleet started (npm start), for simulators that stage an event on the wall (issue 25: a storm cell); absent in backfills. */
  readonly runStartMs?: number;
}

/** One reading's payload values for a device at a time; a pure function of its inputs. */
export type FamilySimulator = (device: DeviceRecord, timeMs: number, context: SimulationContext) => Record<string, number>;
