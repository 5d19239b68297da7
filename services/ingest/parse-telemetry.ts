import type { z } from 'zod';
import type { ErrorCode } from '../errors.ts';
import type { Family, FamilyId, PayloadValues } from '../families/index.ts';
import type { Reading, Rejection } from './reading.ts';
import { fastValidatorFor } from './fast-validator.ts';
import { preview } from './preview.ts';
import { resolveTimestamp, type TimeLimits } from './timestamps.ts';

export interface ParseLimits extends TimeLimits {
  readonly maxPayloadBytes: number;
  readonly maxBatchReadings: number;
}

export interface ParseInput {
  readonly family: Family;
  readonly deviceId: string;
  readonly payload: Buffer;
  readonly receivedAtMs: number;
}

export interface ParseResult {
  readonly readings: Reading[];
  readonly rejections: Rejection[];
}

export { preview } from './preview.ts';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function codeForIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>): ErrorCode {
  switch (issue.code) {
    case 'unrecognized_keys':
      return 'WX_ERR_UNKNOWN_FIELD';
    case 'too_big':
    case 'too_small':
      return 'WX_ERR_OUT_OF_RANGE';
    case 'invalid_type':
      return values[String(issue.path[0])] === undefined ? 'WX_ERR_MISSING_FIELD' : 'WX_ERR_WRONG_TYPE';
    default:
      return 'WX_ERR_WRONG_TYPE';
  }
}

function describeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
  const key = String(issue.path[0] ?? '(reading)');
  return `${key}=${key in values ? preview(values[key]) : 'absent'}: ${issue.message}`;
}

/** The family's zod schema's verdict, for a reading the fast validator refused: the coded reason. */
function explainRefusal(family: Family, item: Record<string, unknown>): { values: PayloadValues } | { rejection: Rejection } {
  const { ts: _ts, ...values } = item;
  const parsed = family.valuesSchema.safeParse(values);
  if (parsed.success) return { values: parsed.data };
  const issues = parsed.error.issues;
  return { rejection: { code: codeForIssue(issues[0]!, values), message: issues.map((issue) => describeIssue(issue, values)).join('; '), readings: 1 } };
}

function parseOne(input: ParseInput, item: unknown, limits: ParseLimits, index?: number): Reading | Rejection {
  const at = index === undefined ? {} : { index };
  if (!isPlainObject(item)) return { code: 'WX_ERR_NOT_AN_OBJECT', message: `reading is ${preview(item)}, not an object`, readings: 1, ...at };
  const time = resolveTimestamp(item.ts, input.receivedAtMs, limits);
  if (!time.ok) return { code: time.code, message: time.message, readings: 1, ...at };
  let values: PayloadValues | null = fastValidatorFor(input.family)(item);
  if (values === null) {
    const explained = explainRefusal(input.family, item);
    if ('rejection' in explained) return { ...explained.rejection, ...at };
    values = explained.values;
  }
  let any = false;
  for (const _key in values) {
    any = true;
    break;
  }
  if (!any) return { code: 'WX_ERR_EMPTY_READING', message: 'reading carries no measured value', readings: 1, ...at };
  const inconsistency = input.family.inconsistency?.(values);
  if (inconsistency) return { code: 'WX_ERR_INCONSISTENT_VALUES', message: inconsistency, readings: 1, ...at };
  return { family: input.family.id as FamilyId, deviceId: input.deviceId, timeMs: time.timeMs, receivedAtMs: input.receivedAtMs, values };
}

const isReading = (value: Reading | Rejection): value is Reading => 'values' in value;

/**
 * The door: one telemetry payload becomes Readings and coded Rejections. A payload is
 * one reading (a JSON object) or a batch (a JSON array of them); in a batch each
 * reading stands or falls alone. Pure: no I/O, no clock.
 */
export function parseTelemetry(input: ParseInput, limits: ParseLimits): ParseResult {
  if (input.payload.length > limits.maxPayloadBytes) {
    return { readings: [], rejections: [{ code: 'WX_ERR_PAYLOAD_TOO_LARGE', message: `payload of ${input.payload.length} bytes exceeds ${limits.maxPayloadBytes}`, readings: 1 }] };
  }
  let document: unknown;
  try {
    document = JSON.parse(input.payload.toString('utf8'));
  } catch (error) {
    return { readings: [], rejections: [{ code: 'WX_ERR_MALFORMED_JSON', message: (error as Error).message, readings: 1 }] };
  }
  if (!Array.isArray(document)) {
    const one = parseOne(input, document, limits);
    return isReading(one) ? { readings: [one], rejections: [] } : { readings: [], rejections: [one] };
  }
  if (document.length === 0) return { readings: [], rejections: [{ code: 'WX_ERR_EMPTY_READING', message: 'batch is empty', readings: 1 }] };
  if (document.length > limits.maxBatchReadings) {
    return { readings: [], rejections: [{ code: 'WX_ERR_BATCH_TOO_LARGE', message: `batch of ${document.length} readings exceeds ${limits.maxBatchReadings}`, readings: document.length }] };
  }
  const readings: Reading[] = [];
  const rejections: Rejection[] = [];
  for (let index = 0; index < document.length; index += 1) {
    const result = parseOne(input, document[index], limits, index);
    if (isReading(result)) readings.push(result);
    else rejections.push(result);
  }
  return { readings, rejections };
}
