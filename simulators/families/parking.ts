import { beijingHour, clamp } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

/** Occupancy by hour for each kind of lot: offices empty at night, homes empty by day. */
const occupancyByKind: Record<string, (hour: number) => number> = {
  office: (h) => 0.1 + 0.8 * Math.exp(-((h - 13) ** 2) / 12),
  hospital: (h) => 0.3 + 0.65 * Math.exp(-((h - 10.5) ** 2) / 10),
  shopping: (h) => 0.1 + 0.8 * Math.exp(-((h - 16) ** 2) / 14),
  residential: (h) => 0.9 - 0.5 * Math.exp(-((h - 13) ** 2) / 12),
  transport: (h) => 0.4 + 0.4 * Math.exp(-((h - 17) ** 2) / 20),
};

export const simulateParking: FamilySimulator = (device, timeMs, rng) => {
  const { capacity, lotKind } = device.attributes as { capacity: number; lotKind: string };
  const share = clamp(rng.normal(occupancyByKind[lotKind]!(beijingHour(timeMs)), 0.03), 0, 1);
  const turnover = Math.round(capacity * 0.02 * rng.next());
  return {
    totalSpaces: capacity,
    occupiedSpaces: Math.round(share * capacity),
    entries: turnover + Math.round(rng.next() * 3),
    exits: turnover + Math.round(rng.next() * 3),
  };
};
