import { WATER_CLASSES, WATER_PARAMETERS, evaluateWaterSection, waterClassRank, type WaterSample, type WaterTargetClass, type Waterbody } from '../../standards/index.ts';
import type { EvaluatorFactory } from './condition.ts';

/**
 * A river section worse than its target class: the single-factor class of the reading
 * (GB 3838-2002 with the 环办〔2011〕22号 method, in water-section.ts) against the target class
 * the registry records for the section (plan indicator 26). Value and limit are class ranks
 * (1 = I … 6 = 劣V); the text shows the classes.
 */
export const waterTarget: EvaluatorFactory<'water-target'> = () => ({
  observe(reading, device) {
    const sample: WaterSample = {};
    for (const parameter of WATER_PARAMETERS) if (reading.values[parameter] !== undefined) sample[parameter] = reading.values[parameter];
    const { targetClass, waterbody } = device.attributes as { targetClass: WaterTargetClass; waterbody: Waterbody };
    const counted = Object.keys(sample).filter((key) => !(key === 'tn' && waterbody === 'river'));
    if (counted.length === 0) return null;
    const result = evaluateWaterSection(sample, { targetClass, waterbody });
    return {
      active: !result.meetsTarget,
      value: waterClassRank(result.class) + 1,
      limit: waterClassRank(targetClass) + 1,
    };
  },
  format: (rank) => WATER_CLASSES[rank - 1] ?? String(rank),
});
