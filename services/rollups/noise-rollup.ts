import { evaluateNoise, noiseLimit, type NoiseZoneClass } from '../standards/index.ts';
import type { Point } from '../storage/line-protocol.ts';
import { daySpans, type FamilyRollup } from './rollup-types.ts';
import { noisePeriod } from './noise-period.ts';
import { expectedSamplingMinutes } from './sampling-interval.ts';
import { deviceTags } from '../registry/device-tags.ts';

export const noiseDailyMeasurement = 'noise_daily';
const hourMs = 3_600_000;

/**
 * Noise: per monitor and day, the day Leq (06-22) and the night Leq (22:00 to 06:00 the
 * next morning) as energy averages, never arithmetic means of decibels, held against the
 * zone's GB 3096-2008 limits, with the night Lmax + 15 dB(A) rule. Each period's coverage (valid-data
 * rate, HJ 906-2017 §3.1) is written beside its Leq; a period under 75 % (noise-limits.ts) keeps its Leq
 * but gets no verdict, so it never counts as an exceedance. An HJ 212 station's own hours (2061
 * Leq-Data) stand for its hours (noise-period.ts).
 */
export const noiseRollup: FamilyRollup = {
  family: 'noise',
  rawRange: (window) => ({ fromMs: window.startMs, toMs: window.endMs + 6 * hourMs }),
  alsoDirty: (day) => [day - 1], // a reading before 06:00 belongs to the previous day's night
  measurements: () => [noiseDailyMeasurement],
  spans: (window) => daySpans(window, [noiseDailyMeasurement]),
  usesStationHours: true,
  compute(window, rowsByDevice, devices, context) {
    const points: Point[] = [];
    for (const device of devices) {
      const rows = rowsByDevice.get(device.id) ?? [];
      const zone = device.attributes.zoneClass as NoiseZoneClass;
      // The monitor's registered interval, else its own (median gap over the 30 h read), so 1-min live and hourly history both count right.
      const interval = context?.samplingMinutes?.get(device.id) ?? expectedSamplingMinutes(device, rows);
      const sent = context?.stationHours?.get(device.id);
      const day = noisePeriod('day', rows, window.startMs + 6 * hourMs, window.startMs + 22 * hourMs, interval, sent);
      const night = noisePeriod('night', rows, window.startMs + 22 * hourMs, window.endMs + 6 * hourMs, interval, sent);
      const dayLeq = day.leq;
      const nightLeq = night.leq;
      const nightLmax = night.lmax;
      const dayCoverage = day.coverage;
      const nightCoverage = night.coverage;
      const fields: Point['fields'][number][] = [
        ['day_limit_dba', noiseLimit(zone, 'day'), 'float'],
        ['night_limit_dba', noiseLimit(zone, 'night'), 'float'],
        ['day_points', day.points, 'int'],
        ['night_points', night.points, 'int'],
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
