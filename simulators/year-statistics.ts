import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { dailyAqi } from '../services/standards/aqi-daily.ts';
import { beijingDay } from './rng.ts';

export interface YearStatistics {
  readonly days: number;
  readonly pm25AnnualMeanUgm3: number;
  readonly goodDayShare: number;
  readonly heavyLoadHourShare: number;
  readonly parkingMeanOccupancy: number;
  readonly trunkRoadNightOverLimitShare: number;
}

const airKeys = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3'] as const;

/**
 * Headline figures of what a backfill generated, computed as it goes, so that the run can
 * say whether its year is plausible (PM2.5 near 18-20 µg/m³, about 95 % good days). The
 * district value is the mean over stations first, then the AQI (as bulletins do); this is
 * a sanity check on the simulators, not the compliance engine (that reads InfluxDB).
 */
export function createYearStatistics() {
  // district hour → pollutant sums over stations' readings, and counts
  const airHours = new Map<number, { sums: Record<string, number>; count: number }>();
  let transformerPoints = 0;
  let heavyPoints = 0;
  let occupancySum = 0;
  let occupancyCount = 0;
  const nightEnergy = new Map<string, { energy: number; count: number }>();

  return {
    add(device: DeviceRecord, timeMs: number, values: Record<string, number>): void {
      switch (device.family) {
        case 'air': {
          const hour = Math.floor(timeMs / 3_600_000);
          const bucket = airHours.get(hour) ?? { sums: {}, count: 0 };
          for (const key of airKeys) bucket.sums[key] = (bucket.sums[key] ?? 0) + (values[key] ?? 0);
          bucket.count += 1;
          airHours.set(hour, bucket);
          return;
        }
        case 'grid':
          if (device.attributes.level !== 'transformer') return;
          transformerPoints += 1;
          if (Math.hypot(values.activePower ?? 0, values.reactivePower ?? 0) >= 0.8 * Number(device.attributes.ratedKva)) heavyPoints += 1;
          return;
        case 'parking':
          occupancySum += (values.occupiedSpaces ?? 0) / (values.totalSpaces || 1);
          occupancyCount += 1;
          return;
        case 'noise': {
          const hour = ((timeMs / 3_600_000 + 8) % 24 + 24) % 24;
          if (device.attributes.zoneClass !== '4a' || (hour >= 6 && hour < 22)) return;
          // The night that began at 22:00 belongs to the Beijing day of its evening.
          const key = `${device.id}|${beijingDay(timeMs - 6 * 3_600_000)}`;
          const night = nightEnergy.get(key) ?? { energy: 0, count: 0 };
          night.energy += 10 ** ((values.leq ?? 0) / 10);
          night.count += 1;
          nightEnergy.set(key, night);
          return;
        }
        default:
      }
    },

    result(): YearStatistics {
      const hours = [...airHours.entries()].sort(([a], [b]) => a - b).map(([hour, { sums, count }]) => ({
        hour,
        means: Object.fromEntries(airKeys.map((key) => [key, (sums[key] ?? 0) / count])) as Record<(typeof airKeys)[number], number>,
      }));
      const o3ByHour = new Map(hours.map(({ hour, means }) => [hour, means.o3]));
      const byDay = new Map<number, typeof hours>();
      for (const entry of hours) {
        const day = beijingDay(entry.hour * 3_600_000);
        byDay.set(day, [...(byDay.get(day) ?? []), entry]);
      }
      let pm25Sum = 0;
      let good = 0;
      let days = 0;
      for (const [day, entries] of byDay) {
        if (entries.length < 20) continue; // GB 3095: a daily mean needs 20 valid hours
        const mean = (key: (typeof airKeys)[number]) => entries.reduce((sum, entry) => sum + entry.means[key], 0) / entries.length;
        let o3Max8h = 0;
        for (const { hour } of entries) {
          const window = Array.from({ length: 8 }, (_, k) => o3ByHour.get(hour - k)).filter((value) => value !== undefined);
          if (window.length >= 6) o3Max8h = Math.max(o3Max8h, window.reduce((a, b) => a + b, 0) / window.length);
        }
        const aqi = dailyAqi(
          { pm25: mean('pm25'), pm10: mean('pm10'), so2: mean('so2'), no2: mean('no2'), co: mean('co'), o3_8h: o3Max8h, o3_1h: Math.max(...entries.map((entry) => entry.means.o3)) },
          { day: day * 86_400_000 },
        );
        days += 1;
        pm25Sum += mean('pm25');
        if (aqi.aqi !== null && aqi.aqi <= 100) good += 1;
      }
      const nights = [...nightEnergy.values()];
      return {
        days,
        pm25AnnualMeanUgm3: days ? pm25Sum / days : Number.NaN,
        goodDayShare: days ? good / days : Number.NaN,
        heavyLoadHourShare: transformerPoints ? heavyPoints / transformerPoints : Number.NaN,
        parkingMeanOccupancy: occupancyCount ? occupancySum / occupancyCount : Number.NaN,
        trunkRoadNightOverLimitShare: nights.length ? nights.filter((night) => 10 * Math.log10(night.energy / night.count) > 55).length / nights.length : Number.NaN,
      };
    },
  };
}
