import type { z } from 'zod';
import type { ErrorCode } from '../errors.ts';
import type { Family, FamilyId, PayloadValues } from '../families/index.ts';
import type { Reading, Rejection, RejectionCause } from './reading.ts';
import { fastValidatorFor } from './fast-validator.ts';
import { preview } from './preview.ts';
import { resolveTimestamp, secondsMillisecondsBoundary, type TimeLimits } from './timestamps.ts';

export interface ParseLimits extends TimeLimits {
  readonly maxPayloadBytes: number;
  readonly maxBatchReadings: number;
}

export interface ParseInput {
  readonly family: Family;
  readonly deviceId: string;
  readonly payload: Buffer;
  readonly receivedAtMs: number;
  /** The device's alias and unit map (device-mapping.ts), only for a device that has one. */
  readonly mapping?: (item: Record<string, unknown>) => Record<string, unknown>;
}

export interface ParseResult {
  readonly readings: Reading[];
  /** Shared and empty when nothing was refused: read it, never push to it. */
  readonly rejections: readonly Rejection[];
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
  const rejection: Rejection = { code: codeForIssue(issues[0]!, values), message: issues.map((issue) => describeIssue(issue, values)).join('; '), readings: 1 };
  if (issues.length === 1) return { rejection };
  return { rejection: { ...rejection, causes: issues.map((issue) => ({ code: codeForIssue(issue, values), message: describeIssue(issue, values) })) } };
}

/** A bad timestamp and whatever else is wrong with the reading's values, in one refusal. */
function withValueProblems(family: Family, item: Record<string, unknown>, time: RejectionCause, index: number | undefined): Rejection {
  const causes: RejectionCause[] = [{ code: time.code, message: time.message }];
  if (fastValidatorFor(family)(item) === null) {
    const explained = explainRefusal(family, item);
    if ('rejection' in explained) causes.push(...(explained.rejection.causes ?? [explained.rejection]).map(({ code, message }) => ({ code, message })));
  }
  const rejection: Rejection = causes.length === 1 ? { code: time.code, message: time.message, readings: 1 } : { code: time.code, message: causes.map((cause) => cause.message).join('; '), readings: 1, causes };
  return index === undefined ? rejection : { ...rejection, index };
}

/** A refusal of one reading, with its place in the batch when it came in one. */
function refused(code: ErrorCode, message: string, index: number | undefined): Rejection {
  return index === undefined ? { code, message, readings: 1 } : { code, message, readings: 1, index };
}

function parseOne(input: ParseInput, sent: unknown, limits: ParseLimits, index?: number): Reading | Rejection {
  if (!isPlainObject(sent)) return refused('WX_ERR_NOT_AN_OBJECT', `reading is ${preview(sent)}, not an object`, index);
  const item = input.mapping ? input.mapping(sent) : sent;
  const timeMs = readingTime(item.ts, input.receivedAtMs, limits);
  if (typeof timeMs !== 'number') return withValueProblems(input.family, item, timeMs, index);
  let values: PayloadValues | null = fastValidatorFor(input.family)(item);
  if (values === null) {
    const explained = explainRefusal(input.family, item);
    if ('rejection' in explained) return index === undefined ? explained.rejection : { ...explained.rejection, index };
    values = explained.values;
  }
  let any = false;
  for (const _key in values) {
    any = true;
    break;
  }
  if (!any) return refused('WX_ERR_EMPTY_READING', 'reading carries no measured value', index);
  const inconsistency = input.family.inconsistency?.(values);
  if (inconsistency) return refused('WX_ERR_INCONSISTENT_VALUES', inconsistency, index);
  return { family: input.family.id as FamilyId, deviceId: input.deviceId, timeMs, receivedAtMs: input.receivedAtMs, values };
}

/**
 * The reading's time in epoch ms, or why it is refused. The common case (epoch ms within the
 * limits) answers without the result object resolveTimestamp builds; everything else goes there.
 */
function readingTime(raw: unknown, receivedAtMs: number, limits: ParseLimits): number | { code: ErrorCode; message: string } {
  if (raw === undefined) return receivedAtMs;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= secondsMillisecondsBoundary && raw <= receivedAtMs + limits.maxFutureMs && raw >= receivedAtMs - limits.maxAgeMs) return raw;
  const time = resolveTimestamp(raw, receivedAtMs, limits);
  return time.ok ? time.timeMs : time;
}

/** No refusals: one array shared by every clean message (never written to). */
const none: Rejection[] = [];

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
    return isReading(one) ? { readings: [one], rejections: none } : { readings: [], rejections: [one] };
  }
  if (document.length === 0) return { readings: [], rejections: [{ code: 'WX_ERR_EMPTY_READING', message: 'batch is empty', readings: 1 }] };
  if (document.length > limits.maxBatchReadings) {
    return { readings: [], rejections: [{ code: 'WX_ERR_BATCH_TOO_LARGE', message: `batch of ${document.length} readings exceeds ${limits.maxBatchReadings}`, readings: document.length }] };
  }
  const readings: Reading[] = [];
  let rejections = none;
  for (let index = 0; index < document.length; index += 1) {
    const result = parseOne(input, document[index], limits, index);
    if (isReading(result)) readings.push(result);
    else (rejections === none ? (rejections = []) : rejections).push(result);
  }
  return { readings, rejections };
}
