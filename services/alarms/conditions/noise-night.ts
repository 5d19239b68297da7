import { evaluateNoise, noisePeriodAt, type NoiseZoneClass } from '../../standards/index.ts';
import type { EvaluatorFactory } from './condition.ts';

/**
 * A road over its night limit: the reading's Leq against GB 3096-2008 Table 1 for the road's
 * zone class, at night by GB 3096 §3 (22:00-06:00 Beijing time). By day the condition is clear.
 */
export const noiseNight: EvaluatorFactory<'noise-night'> = (condition) => ({
  observe(reading, device) {
    const zone = device.attributes.zoneClass as NoiseZoneClass;
    const leq = reading.values.leq;
    if (!condition.zones.includes(zone) || leq === undefined) return null;
    if (noisePeriodAt(reading.timeMs) !== 'night') return { active: false, value: leq, limit: null };
    const { limit, exceeds } = evaluateNoise({ zone, period: 'night', leq });
    return { active: exceeds, value: leq, limit };
  },
});
