import { energyAverage, evaluateNoise, noiseCoverage, noiseLimit, type NoiseZoneClass } from '../standards/index.ts';
import type { Point } from '../storage/line-protocol.ts';
import { daySpans, type FamilyRollup, type RawRow } from './rollup-types.ts';
import { expectedSamplingMinutes } from './sampling-interval.ts';
import { deviceTags } from '../registry/device-tags.ts';

export const noiseDailyMeasurement = 'noise_daily';
const hourMs = 3_600_000;

const levels = (rows: readonly RawRow[], field: string) => rows.map((row) => row.fields[field]).filter((value): value is number => typeof value === 'number');

/**
 * Noise: per monitor and day, the day Leq (06-22) and the night Leq (22:00 to 06:00 the
 * next morning) as energy averages, never arithmetic means of decibels, held against the
 * zone's GB 3096-2008 limits, with the night Lmax + 15 dB(A) rule. Each period's coverage (valid-data
 * rate, HJ 906-2017 §3.1) is written beside its Leq; a period under 75 % (noise-limits.ts) keeps its Leq
 * but gets no verdict, so it never counts as an exceedance.
 */
export const noiseRollup: FamilyRollup = {
  family: 'noise',
  rawRange: (window) => ({ fromMs: window.startMs, toMs: window.endMs + 6 * hourMs }),
  alsoDirty: (day) => [day - 1], // a reading before 06:00 belongs to the previous day's night
  measurements: () => [noiseDailyMeasurement],
  spans: (window) => daySpans(window, [noiseDailyMeasurement]),
  compute(window, rowsByDevice, devices, context) {
    const points: Point[] = [];
    for (const device of devices) {
      const rows = rowsByDevice.get(device.id) ?? [];
      const zone = device.attributes.zoneClass as NoiseZoneClass;
      const day = rows.filter((row) => row.time >= window.startMs + 6 * hourMs && row.time < window.startMs + 22 * hourMs);
      const night = rows.filter((row) => row.time >= window.startMs + 22 * hourMs && row.time < window.endMs + 6 * hourMs);
      const dayLeq = energyAverage(levels(day, 'leq_dba'));
      const nightLeq = energyAverage(levels(night, 'leq_dba'));
      const nightLmax = levels(night, 'lmax_dba');
      // The monitor's registered interval, else its own (median gap over the 30 h read), so 1-min live and hourly history both count right.
      const interval = context?.samplingMinutes?.get(device.id) ?? expectedSamplingMinutes(device, rows);
      const dayCoverage = noiseCoverage(day.length, interval, 'day');
      const nightCoverage = noiseCoverage(night.length, interval, 'night');
      const fields: Point['fields'][number][] = [
        ['day_limit_dba', noiseLimit(zone, 'day'), 'float'],
        ['night_limit_dba', noiseLimit(zone, 'night'), 'float'],
        ['day_points', day.length, 'int'],
        ['night_points', night.length, 'int'],
        ['day_coverage', dayCoverage.coverage, 'float'],
        ['night_coverage', nightCoverage.coverage, 'float'],
        ['day_complete', dayCoverage.complete ? 1 : 0, 'int'],
        ['night_complete', nightCoverage.complete ? 1 : 0, 'int'],
      ];
      if (dayLeq !== null) fields.push(['day_leq_dba', dayLeq, 'float']);
      if (dayLeq !== null && dayCoverage.complete) fields.push(['day_exceeds', evaluateNoise({ zone, period: 'day', leq: dayLeq }).exceeds ? 1 : 0, 'int']);
      if (nightLeq !== null) fields.push(['night_leq_dba', nightLeq, 'float']);
      if (nightLeq !== null && nightCoverage.complete) {
        const lmax = nightLmax.length ? Math.max(...nightLmax) : undefined;
        const verdict = evaluateNoise({ zone, period: 'night', leq: nightLeq, ...(lmax === undefined ? {} : { lmax }) });
        fields.push(['night_exceeds', verdict.exceeds ? 1 : 0, 'int']);
        if (lmax !== undefined) fields.push(['night_lmax_dba', lmax, 'float'], ['night_lmax_exceeds', verdict.lmaxExceeds ? 1 : 0, 'int']);
      }
      points.push({ measurement: noiseDailyMeasurement, tags: deviceTags(device), fields, timeMs: window.startMs });
    }
    return points;
  },
};
