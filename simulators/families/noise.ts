import { beijingHour, clamp, round1 } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

// Day/night base levels per GB 3096-2008 zone, set so trunk roads (4a: 70/55) break the
// night limit some of the time, as the plan says of 布心路, 沿河北路 and 沿河南路.
const baseLevels: Record<string, [day: number, night: number]> = {
  '0': [45, 38], '1': [52, 43], '2': [56, 46], '3': [60, 50], '4a': [67, 56], '4b': [67, 58],
};

export const simulateNoise: FamilySimulator = (device, timeMs, rng) => {
  const zone = String(device.attributes.zoneClass);
  const hour = beijingHour(timeMs);
  const [day, night] = baseLevels[zone]!;
  const leq = clamp(rng.normal(hour >= 6 && hour < 22 ? day : night, 2), 30, 100);
  return {
    leq: round1(leq),
    lmax: round1(leq + clamp(rng.normal(13, 3), 5, 30)),
    l10: round1(leq + 2.5),
    l50: round1(leq - 2),
    l90: round1(leq - 6),
  };
};
