import type { RuleId } from '../targets.ts';
import { goodDayRatioRule, pm25AnnualMean } from './air.ts';
import { heavyLoadTransformers, shareableParking, trunkRoadNightLeq } from './noise-grid-parking.ts';
import type { Rule } from './rule.ts';
import { sectionClass, sectionMonthsMeetingTarget, sectionsClassVShare } from './water.ts';

/** Which rule computes each target (seeds/targets.json names them); manual targets have none. */
export const rules: Record<Exclude<RuleId, 'manual'>, Rule> = {
  'air.pm25-annual-mean': pm25AnnualMean,
  'air.good-day-ratio': goodDayRatioRule,
  'water.section-class': sectionClass,
  'water.sections-class-v-share': sectionsClassVShare,
  'water.section-months-meeting-target': sectionMonthsMeetingTarget,
  'noise.trunk-road-night-leq': trunkRoadNightLeq,
  'grid.heavy-load-transformers': heavyLoadTransformers,
  'parking.shareable-spaces': shareableParking,
};

export { classRank } from './water.ts';
export type { RuleOutcome, Provenance } from './rule.ts';
