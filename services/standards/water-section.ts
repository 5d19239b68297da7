import { WanxiangError } from '../errors.ts';
import { optionalNonNegative, rejectUnknownKeys } from './checks.ts';
import { roundHalfEven } from './rounding.ts';
import {
  WATER_CLASSES, WATER_PARAMETERS, WATER_PARAMETER_NAMES, classifyParameter, roundForAssessment, waterClassRank, waterLimit,
  type WaterClass, type WaterParameter, type WaterTargetClass, type Waterbody,
} from './water-quality.ts';

export type WaterSample = Partial<Record<WaterParameter, number | null>>;

export interface WaterSectionOptions {
  readonly waterbody?: Waterbody;
  /** The section's target; main pollutants and multiples are relative to it (default III, the national method). */
  readonly targetClass?: WaterTargetClass;
  /** Round per the 2020 statistics rule before classifying (default true). */
  readonly round?: boolean;
}

export interface ParameterAssessment {
  readonly value: number;
  readonly class: WaterClass;
  /** False for items that do not take part in the class (TN, in rivers, lakes and reservoirs). */
  readonly counts: boolean;
}

export interface MainPollutant {
  readonly parameter: WaterParameter;
  readonly class: WaterClass;
  /** (C − C_target)/C_target to one decimal; null for pH and DO (2011 method: no multiple). */
  readonly multiple: number | null;
  /** DO only: target − C in mg/L (Shenzhen river reports print this difference). */
  readonly deficit: number | null;
  /** "氨氮(0.8)", "溶解氧", … */
  readonly label: string;
}

export interface WaterSectionResult {
  readonly class: WaterClass;
  readonly grade: string;
  readonly gradeEn: string;
  readonly colour: string;
  readonly meetsTarget: boolean;
  readonly parameters: Partial<Record<WaterParameter, ParameterAssessment>>;
  readonly mainPollutants: readonly MainPollutant[];
  /**
   * The national basis (环办〔2011〕22号, as the bureau's tables print it): main pollutants and their
   * multiples (C − C_III)/C_III whenever the section is worse than Class III, whatever its target.
   * `mainPollutants` above is the target-based column that may stand beside it (issue 22 item 5).
   */
  readonly mainPollutantsNational: readonly MainPollutant[];
  /**
   * Lakes and reservoirs: total nitrogen's own class, reported beside the section class and never
   * part of it (环办〔2011〕22号 "总氮单独评价"; bulletins: "总氮不参与评价"). Null for rivers, where TN
   * is not evaluated, and when the sample has no TN.
   */
  readonly tnClass: WaterClass | null;
}

// 环办〔2011〕22号 Table: grade wording. Only 劣V = red is confirmed; the other colours are UNVERIFIED.
const grades: Readonly<Record<WaterClass, readonly [string, string, string]>> = {
  I: ['优', 'Excellent', 'blue'],
  II: ['优', 'Excellent', 'blue'],
  III: ['良好', 'Good', 'green'],
  IV: ['轻度污染', 'Lightly polluted', 'yellow'],
  V: ['中度污染', 'Moderately polluted', 'orange'],
  劣V: ['重度污染', 'Heavily polluted', 'red'],
};

/**
 * 环办〔2011〕22号: the class comes from the 21 items of GB 3838-2002 Table 1 other than water
 * temperature, total nitrogen and fecal coliform, for rivers and for lakes and reservoirs alike;
 * a lake's or reservoir's TN is evaluated separately (tnClass).
 */
function counts(parameter: WaterParameter): boolean {
  return parameter !== 'tn';
}

function assess(sample: WaterSample, waterbody: Waterbody, round: boolean): Partial<Record<WaterParameter, ParameterAssessment>> {
  const out: Partial<Record<WaterParameter, ParameterAssessment>> = {};
  for (const parameter of WATER_PARAMETERS) {
    const raw = optionalNonNegative(sample[parameter], parameter);
    if (raw === null) continue;
    const value = round ? roundForAssessment(parameter, raw) : raw;
    out[parameter] = { value, class: classifyParameter(parameter, value, waterbody), counts: counts(parameter) };
  }
  return out;
}

function mainPollutant(parameter: WaterParameter, assessed: ParameterAssessment, target: WaterTargetClass, waterbody: Waterbody) {
  const limit = waterLimit(parameter, target, waterbody);
  const name = WATER_PARAMETER_NAMES[parameter];
  if (parameter === 'ph' || limit === null) return { sortKey: 0, entry: { parameter, class: assessed.class, multiple: null, deficit: null, label: name } };
  if (parameter === 'do') {
    const deficit = roundHalfEven(limit - assessed.value, 1);
    return { sortKey: (limit - assessed.value) / limit, entry: { parameter, class: assessed.class, multiple: null, deficit, label: name } };
  }
  const raw = (assessed.value - limit) / limit;
  const multiple = roundHalfEven(raw, 1);
  return { sortKey: raw, entry: { parameter, class: assessed.class, multiple, deficit: null, label: `${name}(${multiple.toFixed(1)})` } };
}

/**
 * 环办〔2011〕22号 main pollutants: when the section is worse than its target, the (up to) three items
 * worse than the target with the worst class, ties broken by the larger exceedance.
 */
function mainPollutants(parameters: Partial<Record<WaterParameter, ParameterAssessment>>, target: WaterTargetClass, waterbody: Waterbody): MainPollutant[] {
  const targetRank = waterClassRank(target);
  return (Object.entries(parameters) as [WaterParameter, ParameterAssessment][])
    .filter(([, assessed]) => assessed.counts && waterClassRank(assessed.class) > targetRank)
    .map(([parameter, assessed]) => mainPollutant(parameter, assessed, target, waterbody))
    .sort((a, b) => waterClassRank(b.entry.class) - waterClassRank(a.entry.class) || b.sortKey - a.sortKey)
    .slice(0, 3)
    .map(({ entry }) => entry);
}

/**
 * The rank (0 = I … 5 = 劣V) of evaluateWaterSection(sample, { waterbody }).class, without the
 * report's other parts: what an alarm rule needs for every water reading. Null when no item of
 * the sample takes part in the class (evaluateWaterSection refuses such a sample). Keys other
 * than the GB 3838 items are ignored. tests/unit/standards/water.test.ts holds the two equal.
 */
export function waterSectionRank(sample: Readonly<Record<string, number | null | undefined>>, waterbody: Waterbody = 'river'): number | null {
  let worst = -1;
  for (const parameter of WATER_PARAMETERS) {
    // Every item is checked, as assess() checks it, even one that takes no part.
    const raw = optionalNonNegative(sample[parameter], parameter);
    if (raw === null || !counts(parameter)) continue;
    const rank = waterClassRank(classifyParameter(parameter, roundForAssessment(parameter, raw), waterbody));
    if (rank > worst) worst = rank;
  }
  return worst < 0 ? null : worst;
}

/**
 * The class of a section by the single-factor method (环办〔2011〕22号): the worst class of the items
 * that take part, each rounded first. Period values (means of several samples) are the caller's.
 */
export function evaluateWaterSection(sample: WaterSample, options: WaterSectionOptions = {}): WaterSectionResult {
  rejectUnknownKeys(sample, WATER_PARAMETERS, 'a water sample');
  const waterbody = options.waterbody ?? 'river';
  const target = options.targetClass ?? 'III';
  const parameters = assess(sample, waterbody, options.round ?? true);
  const ranks = Object.values(parameters).filter((entry) => entry.counts).map((entry) => waterClassRank(entry.class));
  if (ranks.length === 0) throw new WanxiangError('WX_ERR_EMPTY_READING', 'a water sample needs at least one item that takes part in the class');
  const waterClass = WATER_CLASSES[Math.max(...ranks)]!;
  const [grade, gradeEn, colour] = grades[waterClass];
  const worseThanTarget = waterClassRank(waterClass) > waterClassRank(target);
  return {
    class: waterClass,
    grade,
    gradeEn,
    colour,
    meetsTarget: !worseThanTarget,
    parameters,
    mainPollutants: worseThanTarget ? mainPollutants(parameters, target, waterbody) : [],
    mainPollutantsNational: waterClassRank(waterClass) > waterClassRank('III') ? mainPollutants(parameters, 'III', waterbody) : [],
    tnClass: waterbody === 'river' ? null : (parameters.tn?.class ?? null),
  };
}
