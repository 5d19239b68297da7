import { occupancyPct } from '../../standards/index.ts';
import type { EvaluatorFactory } from './condition.ts';

/** A lot at or above an occupancy (a full lot: 100 %) without a break for `forMs`. */
export const parkingFull: EvaluatorFactory<'parking-full'> = (condition) => {
  const fullSince = new Map<string, number>();
  return {
    observe(reading, device) {
      const { occupiedSpaces, totalSpaces } = reading.values;
      if (occupiedSpaces === undefined || totalSpaces === undefined) return null;
      const pct = occupancyPct(occupiedSpaces, totalSpaces);
      if (pct === null) return null;
      const value = Math.round(pct * 10) / 10;
      if (pct < condition.atLeastPct) {
        fullSince.delete(device.id);
        return { active: false, value, limit: condition.atLeastPct };
      }
      const since = Math.min(fullSince.get(device.id) ?? reading.timeMs, reading.timeMs);
      fullSince.set(device.id, since);
      return { active: reading.timeMs - since >= condition.forMs, value, limit: condition.atLeastPct };
    },
  };
};
