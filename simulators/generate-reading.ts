import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { familySimulators } from './families/index.ts';
import { createRng, hashSeed } from './rng.ts';

/**
 * The reading a device makes at a time under a seed: pure, so the fleet, a backfill and a
 * test all get byte-identical values for the same (seed, device, time).
 */
export function generateReading(seed: number, device: DeviceRecord, timeMs: number, run: { intervalMs?: number; runStartMs?: number } = {}): Record<string, number> {
  const rng = createRng(hashSeed(seed, device.id, timeMs));
  return familySimulators[device.family](device, timeMs, { seed, rng, ...run });
}
