import { beijingHour, clamp, round1 } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

// Shenzhen's PM2.5 sits near the plan's 18 µg/m³ baseline, a little higher at night and
// in the morning rush; ozone peaks mid-afternoon; NO2 follows the two rush hours.
export const simulateAir: FamilySimulator = (_device, timeMs, rng) => {
  const hour = beijingHour(timeMs);
  const pm25 = clamp(rng.normal(18 + 5 * Math.cos(((hour - 8) / 24) * 2 * Math.PI), 3), 2, 400);
  const rush = Math.exp(-((hour - 8.5) ** 2) / 2) + Math.exp(-((hour - 18.5) ** 2) / 2);
  const sun = Math.max(0, Math.sin(((hour - 7) / 14) * Math.PI));
  return {
    pm25: round1(pm25),
    pm10: round1(pm25 * rng.normal(1.75, 0.1)),
    so2: round1(clamp(rng.normal(6, 1), 1, 50)),
    no2: round1(clamp(rng.normal(22 + 25 * rush, 4), 2, 300)),
    o3: round1(clamp(rng.normal(35 + 90 * sun ** 2, 8), 2, 400)),
    co: round1(clamp(rng.normal(0.6 + 0.2 * rush, 0.05), 0.1, 10) * 10) / 10,
    temperature: round1(rng.normal(24 + 4 * sun, 0.5)),
    humidity: round1(clamp(rng.normal(75 - 15 * sun, 3), 20, 100)),
    pressure: round1(rng.normal(1_008, 1)),
  };
};
