import { WanxiangError, isWanxiangError } from '../errors.ts';
import {
  dailyAqi, evaluateNoise, evaluateWaterSection, hourlyAqi, type AqiResult, type WaterParameter, type WaterSectionResult,
} from '../standards/index.ts';
import type { InputRow } from './input-row.ts';
import { rowErrorFromIssues, show } from './row-issues.ts';
import {
  ROW_KINDS, isRowKind, rowSchemas, type AirDayRow, type AirHourRow, type NoiseRow, type RowKind, type WaterRow,
} from './row-schemas.ts';
import type { AirResult, EvaluateResult, NoiseResult, RowId, WaterResult } from './types.ts';

type Evaluator<R> = (row: R) => Exclude<EvaluateResult, { error: unknown }>;

/** Only the fields the answer promises; the standards functions return more. */
function airResult(result: AqiResult<string>): AirResult {
  const { aqi, iaqi, primary, level, category, standard, missing } = result;
  return { aqi, iaqi, primary, level, category, standard, missing };
}

/** The row's concentrations; WX_ERR_EMPTY_READING when it carries none at all. */
function someValue<T extends object>(values: T): T {
  if (Object.keys(values).length === 0) throw new WanxiangError('WX_ERR_EMPTY_READING', 'the row carries no concentration');
  return values;
}

// HJ 633: the version follows the observation's Beijing day (2026-02-28 → 2012, 2026-03-01 → 2026).
const airDay: Evaluator<AirDayRow> = ({ kind: _kind, id: _id, date, ...values }) => airResult(dailyAqi(someValue(values), { day: date }));

// `time` is the hour's label; the hour ending at 00:00 belongs to the previous day (HJ 663), which hourlyAqi applies.
const airHour: Evaluator<AirHourRow> = ({ kind: _kind, id: _id, time, ...values }) =>
  airResult(hourlyAqi(someValue(values), { hourEnding: time }));

/**
 * evaluateWaterSection's mainPollutants (环办〔2011〕22号: up to three items worse than the target,
 * class III by default, worst class first, ties by the larger exceedance; none when the section
 * meets class III) map to:
 * - `limiting`: their parameters, in that order;
 * - `multiples`: parameter → multiple (C − C_III)/C_III to one decimal, for the items that have one;
 *   pH and DO have none under the 2011 method, so they appear in `limiting` only (DO's deficit in
 *   mg/L is not carried).
 */
function limitingOf(result: WaterSectionResult): Pick<WaterResult, 'limiting' | 'multiples'> {
  const multiples: Partial<Record<WaterParameter, number>> = {};
  for (const { parameter, multiple } of result.mainPollutants) if (multiple !== null) multiples[parameter] = multiple;
  return { limiting: result.mainPollutants.map(({ parameter }) => parameter), multiples };
}

const water: Evaluator<WaterRow> = ({ kind: _kind, id: _id, date: _date, waterbody, ...sample }) => {
  const result = evaluateWaterSection(sample, { waterbody });
  const tn = result.tnClass === null ? {} : { tnClass: result.tnClass };
  return { class: result.class, grade: result.grade, ...limitingOf(result), ...tn, standard: 'GB 3838-2002' };
};

const noise: Evaluator<NoiseRow> = (row): NoiseResult => ({
  ...evaluateNoise({ zone: row.zone, period: row.period, leq: row.leq, lmax: row.lmax }),
  standard: 'GB 3096-2008',
});

const evaluators: { readonly [K in RowKind]: Evaluator<ReturnType<(typeof rowSchemas)[K]['parse']>> } = {
  'air-day': airDay,
  'air-hour': airHour,
  water,
  noise,
};

function readableId(fields: Record<string, unknown>): { id?: RowId } {
  const { id } = fields;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? { id } : {};
}

function failed(where: string, error: WanxiangError, id: { id?: RowId }): EvaluateResult {
  return { ...id, error: { code: error.code, message: `${where}: ${error.message}` } };
}

function evaluateFields(fields: Record<string, unknown>, id: { id?: RowId }): EvaluateResult {
  const { kind } = fields;
  if (!isRowKind(kind)) {
    const expected = ROW_KINDS.join(', ');
    const message = kind === undefined ? `kind is required (${expected})` : `unknown kind ${show(kind)} (expected ${expected})`;
    throw new WanxiangError('WX_ERR_BAD_ROW', message, { value: kind });
  }
  const parsed = rowSchemas[kind].safeParse(fields, { reportInput: true });
  if (!parsed.success) throw rowErrorFromIssues(parsed.error.issues, kind);
  const evaluate = evaluators[kind] as Evaluator<typeof parsed.data>;
  return { ...id, ...evaluate(parsed.data) };
}

/**
 * One row's answer: its result, or its error in its place. Errors of the standards functions are
 * WanxiangErrors and stay with their row; anything else is a bug and is not hidden.
 */
export function evaluateRow(row: InputRow): EvaluateResult {
  if ('error' in row) return failed(row.where, row.error, row.id === undefined ? {} : { id: row.id });
  const { fields } = row;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    return failed(row.where, new WanxiangError('WX_ERR_BAD_ROW', `a row must be a JSON object, not ${show(fields)}`, { value: fields }), {});
  }
  const id = readableId(fields as Record<string, unknown>);
  try {
    return evaluateFields(fields as Record<string, unknown>, id);
  } catch (error) {
    if (isWanxiangError(error)) return failed(row.where, error, id);
    throw error;
  }
}
