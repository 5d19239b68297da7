import type { FamilyId } from '../../services/families/index.ts';
import { simulateAir } from './air.ts';
import { simulateEvCharging } from './ev-charging.ts';
import type { FamilySimulator } from './family-simulator.ts';
import { simulateGrid } from './grid.ts';
import { simulateNoise } from './noise.ts';
import { simulateParking } from './parking.ts';
import { simulateVoc } from './voc.ts';
import { simulateWater } from './water.ts';
import { simulateWaterlogging } from './waterlogging.ts';

/** One simulator per family, keyed like services/families. */
export const familySimulators: Record<FamilyId, FamilySimulator> = {
  air: simulateAir,
  water: simulateWater,
  grid: simulateGrid,
  parking: simulateParking,
  noise: simulateNoise,
  voc: simulateVoc,
  waterlogging: simulateWaterlogging,
  ev_charging: simulateEvCharging,
};
