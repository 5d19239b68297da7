import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import type { Rng } from '../rng.ts';

/** One reading's payload values for a device at a time; pure given the generator. */
export type FamilySimulator = (device: DeviceRecord, timeMs: number, rng: Rng) => Record<string, number>;
