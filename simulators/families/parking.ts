import { beijingHourOfDay as beijingHour, beijingWeekday } from '../../services/standards/beijing-time.ts';
import { clamp } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

/**
 * Occupancy by hour for each kind of lot, on working days and at weekends: offices empty
 * at night and at weekends, homes empty by day, hospitals full in the morning, shops full
 * in the afternoon and at weekends. Their peaks do not coincide, which is what off-peak
 * sharing (错峰共享, plan lines 1889-1897) uses.
 */
const occupancyByKind: Record<string, (hour: number, weekend: boolean) => number> = {
  office: (h, weekend) => 0.08 + (weekend ? 0.2 : 0.82) * Math.exp(-((h - 13) ** 2) / 12),
  hospital: (h, weekend) => 0.3 + (weekend ? 0.45 : 0.66) * Math.exp(-((h - 10.5) ** 2) / 10),
  shopping: (h, weekend) => 0.1 + (weekend ? 0.85 : 0.65) * Math.exp(-((h - 16) ** 2) / 14),
  residential: (h, weekend) => 0.92 - (weekend ? 0.25 : 0.5) * Math.exp(-((h - 13) ** 2) / 12),
  transport: (h) => 0.4 + 0.4 * Math.exp(-((h - 17) ** 2) / 20),
};

export const simulateParking: FamilySimulator = (device, timeMs, { rng }) => {
  const { capacity, lotKind } = device.attributes as { capacity: number; lotKind: string };
  const weekday = beijingWeekday(timeMs);
  const share = clamp(rng.normal(occupancyByKind[lotKind]!(beijingHour(timeMs), weekday === 0 || weekday === 6), 0.03), 0, 1);
  const turnover = Math.round(capacity * 0.02 * rng.next());
  return {
    totalSpaces: capacity,
    occupiedSpaces: Math.round(share * capacity),
    entries: turnover + Math.round(rng.next() * 3),
    exits: turnover + Math.round(rng.next() * 3),
  };
};
