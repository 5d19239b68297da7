import { errorCatalogue, type ErrorCode } from '../../../services/errors.ts';
import { getFamily, type FamilyId } from '../../../services/families/index.ts';
import { parseTelemetry, type ParseLimits, type ParseResult } from '../../../services/ingest/parse-telemetry.ts';
import type { Reading } from '../../../services/ingest/reading.ts';

const catalogued = new Set(Object.keys(errorCatalogue));

/** What a payload is, as the test sees it before the door does. */
export type Sent =
  | { readonly kind: 'refused-whole'; readonly count: number; readonly code: ErrorCode }
  | { readonly kind: 'single'; readonly item: unknown }
  | { readonly kind: 'batch'; readonly items: readonly unknown[] };

/**
 * How many readings a payload stands for, which is what readings + rejections must add up to:
 * a payload over maxPayloadBytes or not JSON counts as one (it cannot be counted further);
 * an empty batch counts as one refused reading (WX_ERR_EMPTY_READING, readings 1);
 * a batch over maxBatchReadings counts as all its items, refused together (WX_ERR_BATCH_TOO_LARGE);
 * any other batch counts as its items, each standing alone; anything else as one.
 */
export function classify(payload: Buffer, limits: ParseLimits): Sent {
  if (payload.length > limits.maxPayloadBytes) return { kind: 'refused-whole', count: 1, code: 'WX_ERR_PAYLOAD_TOO_LARGE' };
  let document: unknown;
  try {
    document = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'refused-whole', count: 1, code: 'WX_ERR_MALFORMED_JSON' };
  }
  if (!Array.isArray(document)) return { kind: 'single', item: document };
  if (document.length === 0) return { kind: 'refused-whole', count: 1, code: 'WX_ERR_EMPTY_READING' };
  if (document.length > limits.maxBatchReadings) return { kind: 'refused-whole', count: document.length, code: 'WX_ERR_BATCH_TOO_LARGE' };
  return { kind: 'batch', items: document };
}

export const countOf = (sent: Sent) => (sent.kind === 'refused-whole' ? sent.count : sent.kind === 'single' ? 1 : sent.items.length);

/** An assertion whose message is built only when it fails: the door is checked some 100,000 times a run. */
export function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new Error(message());
}
const show = (value: unknown) => JSON.stringify(value) ?? String(value);

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// The forms the door documents (timestamps.ts): epoch numbers below 1e11 are seconds, above
// milliseconds; strings are ISO 8601 with a zone, read by Date.parse.
const isoWithZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
function expectedNumericTime(ts: number): number {
  return Math.round(ts < 1e11 ? ts * 1_000 : ts);
}

/**
 * The test's own verdict on one reading, where it is sure: true when the reading must pass
 * (only family keys, finite in-range numbers, required keys present, consistent, no ts or a
 * numeric ts within the limits), false when it must not; undefined leaves it to the door.
 */
export function verdict(item: unknown, family: FamilyId, receivedAtMs: number, limits: ParseLimits): boolean | undefined {
  if (!isPlainObject(item)) return false;
  const spec = getFamily(family);
  const { ts, ...values } = item;
  if (ts !== undefined) {
    if (typeof ts !== 'number') return undefined;
    const time = expectedNumericTime(ts);
    if (ts < 0 || time < receivedAtMs - limits.maxAgeMs || time > receivedAtMs + limits.maxFutureMs) return false;
  }
  const keys = Object.keys(values);
  if (keys.length === 0) return false;
  for (const key of keys) {
    const field = Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
    const value = values[key];
    if (!field || typeof value !== 'number' || !Number.isFinite(value) || value < field.min || value > field.max) return false;
    if (field.type === 'int' && !Number.isInteger(value)) return false;
  }
  for (const [key, field] of Object.entries(spec.fields)) if (field.required && !keys.includes(key)) return false;
  return !spec.inconsistency?.(values as Record<string, number>);
}

/** Property 2: an accepted reading is what its item said, within its family's ranges and the time limits. */
export function expectSoundReading(reading: Reading, item: unknown, family: FamilyId, deviceId: string, receivedAtMs: number, limits: ParseLimits): void {
  const spec = getFamily(family);
  const says = () => `reading ${show(reading)} from item ${show(item)}`;
  check(reading.family === family && reading.deviceId === deviceId && reading.receivedAtMs === receivedAtMs, () => `${says()}: wrong family, device or receive time`);
  check(Number.isSafeInteger(reading.timeMs), () => `${says()}: timeMs is no safe integer`);
  check(reading.timeMs >= receivedAtMs - limits.maxAgeMs && reading.timeMs <= receivedAtMs + limits.maxFutureMs, () => `${says()}: timeMs outside the limits of ${receivedAtMs}`);
  check(isPlainObject(item), () => `${says()}: the item is no object`);
  const { ts, ...sent } = item;
  const keys = Object.keys(reading.values);
  check(keys.length > 0, () => `${says()}: no values`);
  check(keys.length === Object.keys(sent).length, () => `${says()}: values dropped or added`);
  for (const key of keys) {
    const field = Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
    const value = reading.values[key];
    check(field !== undefined, () => `${says()}: ${key} is no ${family} field`);
    check(typeof value === 'number' && Number.isFinite(value) && value >= field.min && value <= field.max, () => `${says()}: ${key} outside [${field.min}, ${field.max}]`);
    check(field.type !== 'int' || Number.isInteger(value), () => `${says()}: ${key} is an int field`);
    check(Object.is(value, sent[key]), () => `${says()}: ${key} was sent as ${show(sent[key])}`);
  }
  for (const [key, field] of Object.entries(spec.fields)) check(!field.required || keys.includes(key), () => `${says()}: required ${key} absent`);
  check(!spec.inconsistency?.(reading.values), () => `${says()}: inconsistent`);
  let expected: number;
  if (ts === undefined) expected = receivedAtMs;
  else if (typeof ts === 'number') expected = expectedNumericTime(ts);
  else {
    check(typeof ts === 'string' && isoWithZone.test(ts), () => `${says()}: ts is none of the accepted forms`);
    expected = Date.parse(ts.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  }
  check(reading.timeMs === expected, () => `${says()}: timeMs should be ${expected}`);
}

export interface DoorScene {
  readonly family: FamilyId;
  readonly receivedAtMs: number;
  readonly limits: ParseLimits;
  readonly deviceId?: string;
}

/**
 * Properties 1 and 2 for one payload: the door answers (never throws) with Readings and
 * catalogued Rejections that account for every reading sent, and every Reading is sound.
 */
export function throughTheDoor(payload: Buffer, scene: DoorScene): ParseResult & { readonly sent: Sent } {
  const { family, receivedAtMs, limits } = scene;
  const deviceId = scene.deviceId ?? `${family}-prop`;
  const result = parseTelemetry({ family: getFamily(family), deviceId, payload, receivedAtMs }, limits);
  const sent = classify(payload, limits);

  const says = () => `payload ${show(payload.toString('utf8').slice(0, 300))} gave ${show(result).slice(0, 600)}`;
  for (const rejection of result.rejections) {
    check(catalogued.has(rejection.code), () => `${says()}: uncatalogued code ${rejection.code}`);
    check(typeof rejection.message === 'string' && rejection.message.length > 0, () => `${says()}: no message`);
    check(Number.isSafeInteger(rejection.readings) && rejection.readings >= 1, () => `${says()}: rejection counts ${rejection.readings} readings`);
  }
  const accounted = result.readings.length + result.rejections.reduce((sum, rejection) => sum + rejection.readings, 0);
  check(accounted === countOf(sent), () => `${says()}: accounts for ${accounted} readings, ${countOf(sent)} were sent`);

  if (sent.kind === 'refused-whole') {
    const [only] = result.rejections;
    check(result.readings.length === 0 && result.rejections.length === 1, () => `${says()}: should be one rejection`);
    check(only!.code === sent.code && only!.readings === sent.count && only!.index === undefined, () => `${says()}: should be ${sent.code} for ${sent.count}`);
    return { ...result, sent };
  }
  const items = sent.kind === 'single' ? [sent.item] : sent.items;
  const refused = new Map<number, (typeof result.rejections)[number]>();
  for (const rejection of result.rejections) {
    check(rejection.readings === 1, () => `${says()}: an item's rejection counts one reading`);
    check(sent.kind === 'batch' || rejection.index === undefined, () => `${says()}: a single reading's rejection has no index`);
    const index = rejection.index ?? 0;
    check(Number.isInteger(index) && index >= 0 && index < items.length && !refused.has(index), () => `${says()}: bad or repeated index ${index}`);
    refused.set(index, rejection);
  }
  check(result.readings.length + refused.size === items.length, () => `${says()}: ${items.length} items`);
  let next = 0;
  items.forEach((item, index) => {
    const must = verdict(item, family, receivedAtMs, limits);
    const rejection = refused.get(index);
    if (rejection) {
      check(must !== true, () => `${says()}: item ${index} is sound but was refused with ${rejection.code}`);
      check(isPlainObject(item) || rejection.code === 'WX_ERR_NOT_AN_OBJECT', () => `${says()}: item ${index} is no object`);
      return;
    }
    check(must !== false, () => `${says()}: item ${index} is unsound but was accepted`);
    expectSoundReading(result.readings[next++]!, item, family, deviceId, receivedAtMs, limits);
  });
  return { ...result, sent };
}
