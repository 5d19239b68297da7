import type { FamilyId } from '../../families/index.ts';
import type { AlarmCondition } from '../rule-schema.ts';
import { aqiDay } from './aqi-day.ts';
import { aqiRealtime } from './aqi-realtime.ts';
import { fieldAbove } from './field-above.ts';
import { fieldIs } from './field-is.ts';
import type { ConditionContext, ConditionKind, Evaluator, EvaluatorFactory } from './condition.ts';
import { hourMean } from './hour-mean.ts';
import { loadRun } from './load-run.ts';
import { noiseNight } from './noise-night.ts';
import { parkingFull } from './parking-full.ts';
import { silent } from './silent.ts';
import { streetShare } from './street-share.ts';
import { stuck } from './stuck.ts';
import { waterTarget } from './water-target.ts';
import { windowSum } from './window-sum.ts';

/** One evaluator per condition kind: adding a kind means one file and one line here (and its schema). */
const evaluators: { readonly [K in ConditionKind]: EvaluatorFactory<K> } = {
  'aqi-realtime': aqiRealtime,
  'hour-mean': hourMean,
  'aqi-day': aqiDay,
  'water-target': waterTarget,
  'load-run': loadRun,
  'noise-night': noiseNight,
  'parking-full': parkingFull,
  silent,
  stuck,
  'window-sum': windowSum,
  'field-above': fieldAbove,
  'field-is': fieldIs,
  'street-share': streetShare,
};

/** The evaluator of a rule's condition; `family`: the rule's (`any` for silence and stuck sensors). */
export function createEvaluator(condition: AlarmCondition, context: ConditionContext, family: FamilyId | 'any' = 'any'): Evaluator {
  return (evaluators[condition.kind] as EvaluatorFactory<ConditionKind>)(condition as never, context, family);
}

export type { ConditionContext, Evaluator, Verdict } from './condition.ts';
