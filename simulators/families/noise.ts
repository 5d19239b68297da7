import { beijingDayNumber as beijingDay, beijingHourOfDay as beijingHour } from '../../services/standards/beijing-time.ts';
import { clamp, round1, unitHash } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

/**
 * Day/night base levels per GB 3096-2008 zone class. Trunk roads (4a: 70 day, 55 night)
 * sit around the night limit, so 布心路, 沿河北路 and 沿河南路 break it on some nights
 * (heavy-vehicle nights), as the plan says; residential streets stay inside theirs.
 */
const baseLevels: Record<string, [day: number, night: number]> = {
  '0': [44, 36], '1': [50, 41], '2': [55, 45], '3': [60, 50], '4a': [66, 52.5], '4b': [66, 56],
};

export const simulateNoise: FamilySimulator = (device, timeMs, { seed, rng }) => {
  const zone = String(device.attributes.zoneClass);
  const hour = beijingHour(timeMs);
  const [day, night] = baseLevels[zone]!;
  const isDay = hour >= 6 && hour < 22;
  const heavyNight = !isDay && zone.startsWith('4') && unitHash(seed, 'freight-night', device.id, beijingDay(timeMs)) < 0.25 ? 3.5 : 0;
  const leq = clamp(rng.normal((isDay ? day : night) + heavyNight, 1.5), 30, 100);
  return {
    leq: round1(leq),
    lmax: round1(leq + clamp(rng.normal(13, 3), 5, 30)),
    l10: round1(leq + 2.5),
    l50: round1(leq - 2),
    l90: round1(leq - 6),
    // The instantaneous level at the reading's time (what HJ 212 monitors send as LA-Rtd): from a
    // hash, not the stream's rng, so that the other fields stay what they were before it was added.
    la: round1(leq + (unitHash(seed, 'noise-la', device.id, timeMs) - 0.5) * 8),
  };
};
