import { WATER_CLASSES, WATER_PARAMETERS, evaluateWaterSection, waterClassRank, waterSectionRank, type WaterTargetClass, type Waterbody } from '../../standards/index.ts';
import type { EvaluatorFactory } from './condition.ts';

/**
 * A river section worse than its target class: the single-factor class of the reading
 * (GB 3838-2002 with the 环办〔2011〕22号 method, in water-section.ts) against the target class
 * the registry records for the section (plan indicator 26). Value and limit are class ranks
 * (1 = I … 6 = 劣V); the text shows the classes.
 */
export const waterTarget: EvaluatorFactory<'water-target'> = () => ({
  observe(reading, device) {
    const { targetClass, waterbody } = device.attributes as { targetClass: WaterTargetClass; waterbody: Waterbody };
    let counted = false;
    for (const parameter of WATER_PARAMETERS) if (reading.values[parameter] !== undefined && !(parameter === 'tn' && waterbody === 'river')) counted = true;
    if (!counted) return null;
    // The class alone: the section report's other parts (main pollutants, grade) are not needed here.
    const rank = waterSectionRank(reading.values, waterbody);
    // A lake's TN alone takes no part in the class: the full evaluation refuses it with its code.
    if (rank === null) {
      evaluateWaterSection({ tn: reading.values.tn }, { targetClass, waterbody }); // throws WX_ERR_EMPTY_READING, as it always did
      return null;
    }
    const targetRank = waterClassRank(targetClass);
    return { active: rank > targetRank, value: rank + 1, limit: targetRank + 1 };
  },
  format: (rank) => WATER_CLASSES[rank - 1] ?? String(rank),
});
