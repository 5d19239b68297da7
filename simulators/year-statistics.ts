import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { dailyAqi, dailyMaxO3EightHour, dailyMean } from '../services/standards/index.ts';
import { beijingDayNumber as beijingDay, beijingDayStartMs, beijingHourOfDay } from '../services/standards/beijing-time.ts';

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
          const hour = beijingHourOfDay(timeMs);
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
      // The district's hourly means, then per Beijing day a 24-slot series for the standards.
      const byDay = new Map<number, Record<(typeof airKeys)[number], (number | null)[]>>();
      for (const [hour, { sums, count }] of airHours) {
        const day = beijingDay(hour * 3_600_000);
        const slot = Math.floor(beijingHourOfDay(hour * 3_600_000));
        let series = byDay.get(day);
        if (!series) byDay.set(day, (series = Object.fromEntries(airKeys.map((key) => [key, Array<number | null>(24).fill(null)])) as Record<(typeof airKeys)[number], (number | null)[]>));
        for (const key of airKeys) series[key][slot] = (sums[key] ?? 0) / count;
      }
      let pm25Sum = 0;
      let good = 0;
      let days = 0;
      for (const [day, series] of byDay) {
        const pm25 = dailyMean(series.pm25); // GB 3095: no daily mean under 20 valid hours
        if (pm25 === null) continue;
        const o3Hours = series.o3.filter((value): value is number => value !== null);
        const aqi = dailyAqi(
          { pm25, pm10: dailyMean(series.pm10), so2: dailyMean(series.so2), no2: dailyMean(series.no2), co: dailyMean(series.co), o3_8h: dailyMaxO3EightHour(series.o3).value, o3_1h: Math.max(...o3Hours) },
          { day: beijingDayStartMs(day) },
        );
        days += 1;
        pm25Sum += pm25;
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
