import { ozoneSeason, particulateSeason, pollutionEpisode } from '../district-weather.ts';
import { beijingDayNumber as beijingDay, beijingHourOfDay as beijingHour } from '../../services/standards/beijing-time.ts';
import { clamp, round1, unitHash } from '../rng.ts';
import type { FamilySimulator } from './family-simulator.ts';

/**
 * Shenzhen air: PM2.5 near the plan's 18 µg/m³ baseline, cleaner in the summer monsoon and
 * worse in winter, with multi-day episodes; ozone peaks in the afternoon and in autumn
 * (Shenzhen's usual exceedance); NO2 follows the two rush hours.
 */
export const simulateAir: FamilySimulator = (device, timeMs, { seed, rng }) => {
  const hour = beijingHour(timeMs);
  const day = beijingDay(timeMs);
  const episode = pollutionEpisode(seed, timeMs);
  const stationBias = 0.9 + 0.2 * unitHash(seed, 'station', device.id);
  const dayVariation = 0.75 + 0.5 * unitHash(seed, 'air-day', day);
  const diurnal = 1 + 0.25 * Math.cos(((hour - 8) / 24) * 2 * Math.PI);
  const pm25 = clamp(14.5 * particulateSeason(timeMs) * episode * stationBias * dayVariation * diurnal * rng.normal(1, 0.08), 2, 600);
  const rush = Math.exp(-((hour - 8.5) ** 2) / 2) + Math.exp(-((hour - 18.5) ** 2) / 2);
  const sun = Math.max(0, Math.sin(((hour - 7) / 14) * Math.PI));
  const ozoneDay = 0.55 + 0.75 * unitHash(seed, 'ozone-day', day);
  const o3 = clamp(25 + 110 * sun ** 2 * ozoneSeason(timeMs) * ozoneDay * (1 + 0.15 * (episode - 1)) * rng.normal(1, 0.06), 2, 600);
  return {
    pm25: round1(pm25),
    pm10: round1(pm25 * rng.normal(1.7, 0.08)),
    so2: round1(clamp(rng.normal(6, 1), 1, 50)),
    no2: round1(clamp((20 + 28 * rush) * (0.8 + 0.2 * episode) * rng.normal(1, 0.1), 2, 300)),
    o3: round1(o3),
    co: Math.round(clamp((0.55 + 0.25 * rush) * (0.85 + 0.15 * episode) * rng.normal(1, 0.05), 0.1, 10) * 100) / 100,
    temperature: round1(rng.normal(23.5 - 7 * Math.cos(((timeMs / 86_400_000 - 20) / 365.25) * 2 * Math.PI) + 4 * sun, 0.4)),
    humidity: round1(clamp(rng.normal(75 - 15 * sun, 3), 20, 100)),
    pressure: round1(rng.normal(1_008, 1)),
  };
};
