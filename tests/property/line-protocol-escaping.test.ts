import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWanxiangError } from '../../services/errors.ts';
import { encodePoint, type FieldType, type Point } from '../../services/storage/line-protocol.ts';
import { check } from './support/door.ts';
import { hostileString, seeds, specialChars } from './support/hostile.ts';
import { readBody, type LineRead, type LineValue } from './support/influx-line-reader.ts';

// Property 4 of the hostile-input suite, the escaping proof: encodePoint either refuses a
// point with WX_ERR_UNENCODABLE, for one of the reasons line-protocol.ts documents, or writes a
// line that InfluxDB 1.x (support/influx-line-reader.ts) reads back as exactly that point, and
// that leaves the next line of a write body alone.

type Field = readonly [name: string, value: number | string, type: FieldType];
const probe = 'probe value=1i 0';

/** Why encodePoint must refuse a point, as line-protocol.ts documents it; null when it must not. */
export function refusal(point: Point): string | null {
  // Empty text, control characters, backslashes and lone surrogates anywhere in a name.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  const bad = (text: string) => text.length === 0 || /[\u0000-\u001f\u007f\\]/.test(text) || !text.isWellFormed();
  if (point.fields.length === 0) return 'no field';
  if (!Number.isSafeInteger(point.timeMs) || Math.abs(point.timeMs) > 9_223_372_036_854) return 'timestamp';
  if (bad(point.measurement) || point.measurement.startsWith('#')) return 'measurement';
  for (const [key, value] of Object.entries(point.tags)) if (value !== '' && (bad(key) || key === 'time' || bad(value))) return `tag ${key}`;
  for (const [name, value, type] of point.fields) {
    if (bad(name) || name === 'time') return `field key ${name}`;
    if (type === 'string' ? typeof value !== 'string' || /[\n\r]/.test(value) : typeof value !== 'number' || !Number.isFinite(value) || (type === 'int' && !Number.isSafeInteger(value))) return `field ${name}`;
  }
  return null;
}

const sameValue = (read: LineValue, value: number | string, type: FieldType) =>
  read.type === type && (type === 'int' ? read.value === BigInt(value) : read.value === value); // -0 is written 0

/** Property 4 for one point. */
function roundTripsOrRefuses(point: Point): void {
  const reason = refusal(point);
  let line: string;
  try {
    line = encodePoint(point);
  } catch (error) {
    check(isWanxiangError(error) && error.code === 'WX_ERR_UNENCODABLE', () => `threw ${String(error)} for ${JSON.stringify(point)}`);
    check(reason !== null, () => `refused ${JSON.stringify(point)}, which it can write: ${(error as Error).message}`);
    return;
  }
  const says = () => `line ${JSON.stringify(line)} for ${JSON.stringify(point)}`;
  check(reason === null, () => `${says()}: should have been refused (${reason})`);
  check(!/[\n\r]/.test(line), () => `${says()}: a line break`);
  const body = readBody(`${line}\n${probe}`);
  check(body.length === 2, () => `${says()}: InfluxDB reads ${body.length} points from it and a probe line (a comment? a swallowed line?)`);
  const [read, next] = body as [LineRead, LineRead];
  check(read.ok, () => `${says()}: InfluxDB refuses it: ${read.ok ? '' : read.error}`);
  check(next.ok && next.point.measurement === 'probe', () => `${says()}: the next line of the body is not read as written`);
  const got = read.point;
  check(got.measurement === point.measurement, () => `${says()}: measurement reads ${JSON.stringify(got.measurement)}`);
  const tags = Object.entries(point.tags).filter(([, value]) => value !== '');
  const gotTags = new Map(got.tags);
  check(gotTags.size === tags.length && tags.every(([key, value]) => gotTags.get(key) === value), () => `${says()}: tags read ${JSON.stringify(got.tags)}`);
  check(got.fields.length === point.fields.length, () => `${says()}: fields read ${JSON.stringify(got.fields.map(([name]) => name))}`);
  point.fields.forEach(([name, value, type], i) => {
    const [gotName, gotValue] = got.fields[i]!;
    check(gotName === name && sameValue(gotValue, value, type), () => `${says()}: field ${i} reads ${JSON.stringify(gotName)}=${String(gotValue.value)} (${gotValue.type})`);
  });
  check(got.timestamp === BigInt(point.timeMs), () => `${says()}: timestamp reads ${got.timestamp}`);
}

// InfluxDB 1.x takes times within ±(2^63-2) ns: ±9,223,372,036,854 ms at precision=ms.
const influxTime = fc.integer({ min: -9_223_372_036_854, max: 9_223_372_036_854 });
const timeArb = fc.oneof({ weight: 8, arbitrary: influxTime }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 1.5, -0.5, 2 ** 53, Number.MAX_VALUE) });

function fieldArb(name: fc.Arbitrary<string>, text: fc.Arbitrary<string>): fc.Arbitrary<Field> {
  return fc.oneof(
    fc.tuple(name, fc.double(), fc.constant('float' as const)),
    fc.tuple(name, fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double()), fc.constant('int' as const)),
    fc.tuple(name, fc.oneof(text, hostileString(10)), fc.constant('string' as const)),
  );
}

/** A point whose names are drawn from `name` (measurement from `measurement`). */
function pointArb(name: fc.Arbitrary<string>, measurement: fc.Arbitrary<string> = name, time: fc.Arbitrary<number> = timeArb): fc.Arbitrary<Point> {
  return fc.record({
    measurement,
    tags: fc.dictionary(name, fc.oneof({ weight: 6, arbitrary: name }, { weight: 1, arbitrary: fc.constant('') }), { maxKeys: 4 }),
    fields: fc.uniqueArray(fieldArb(name, hostileString(10)), { selector: ([fieldName]) => fieldName, maxLength: 4 }),
    timeMs: time,
  });
}

// Names without a backslash (InfluxDB 1.x has no escape that survives every place a backslash
// can stand), not starting with a tab or NUL (InfluxDB skips those at the start of the
// measurement and of the fields), without `time` (InfluxDB refuses it as a tag or field key),
// and a measurement not starting with `#` (a comment): the failing properties below cover those.
const cleanChar = fc.oneof(fc.constantFrom(...specialChars.filter((c) => c !== '\\')), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\\'));
const cleanName = fc.string({ unit: cleanChar, maxLength: 10 }).filter((text) => text !== 'time' && !/^[\t\0]/.test(text));
const cleanMeasurement = cleanName.filter((text) => !text.startsWith('#'));

describe('encodePoint escaping', () => {
  it('writes every point it does not refuse so that InfluxDB reads it back exactly', () => {
    fc.assert(
      fc.property(pointArb(cleanName, cleanMeasurement), roundTripsOrRefuses),
      {
        seed: seeds.escaping,
        numRuns: 3_000,
        examples: [
          [{ measurement: 'air quality,x=1', tags: { 'a,b': 'c=d e', k: '', ' ': ',', '=': '=' }, fields: [['"q"', 1, 'float']], timeMs: 0 }],
          [{ measurement: ' m', tags: {}, fields: [['f', 'say "hi" \\ there\\', 'string'], ['g', -0, 'float'], ['h', 1e21, 'float'], ['i', 5e-324, 'float']], timeMs: -1 }],
          [{ measurement: 'm', tags: { device: 'a"b' }, fields: [['x y', 1, 'int'], ['x,y', -9_007_199_254_740_991, 'int'], ['x=y', 'a,b=c d', 'string']], timeMs: 9_223_372_036_854 }],
          [{ measurement: 'm', tags: { t: 'x' }, fields: [['f', 'line\nbreak', 'string']], timeMs: 1 }],
          [{ measurement: 'm', tags: { t: 'x' }, fields: [['f', Number.NaN, 'float']], timeMs: 1 }],
          [{ measurement: 'm', tags: { t: 'x' }, fields: [['f', 1.5, 'int']], timeMs: 1 }],
          [{ measurement: 'm', tags: { t: 'x' }, fields: [['f', 1, 'float']], timeMs: 1.5 }],
          [{ measurement: 'm', tags: { '': 'v' }, fields: [['f', 1, 'float']], timeMs: 1 }],
          [{ measurement: 'm', tags: { '': '' }, fields: [['f', 1, 'float']], timeMs: 1 }],
          [{ measurement: 'm', tags: { ['__proto__']: 'x', constructor: 'y' }, fields: [['f', 1, 'float']], timeMs: 1 }],
        ],
      },
    );
  });

  it('refuses a line break or a trailing backslash anywhere in a name, with WX_ERR_UNENCODABLE', () => {
    const breaking = fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom('\n', '\r', '\r\n'), fc.string({ maxLength: 4 })).map(([a, nl, b]) => `${a}${nl}${b}`);
    const trailing = fc.string({ maxLength: 4 }).map((text) => `${text}\\`);
    const poison = fc.oneof(breaking, trailing, fc.constant(''));
    const where = fc.constantFrom('measurement', 'tag key', 'tag value', 'field key');
    fc.assert(
      fc.property(poison, where, (text, place) => {
        const point: Point = {
          measurement: place === 'measurement' ? text : 'm',
          tags: place === 'tag key' ? { [text]: 'v' } : place === 'tag value' ? { t: text } : { t: 'v' },
          fields: [[place === 'field key' ? text : 'f', 1, 'float']],
          timeMs: 0,
        };
        // an empty tag value is left out rather than refused
        if (place === 'tag value' && text === '') expect(encodePoint(point)).toBe('m f=1 0');
        else expect(() => encodePoint(point)).toThrow(expect.objectContaining({ code: 'WX_ERR_UNENCODABLE' }));
      }),
      { seed: seeds.escaping + 1, numRuns: 300 },
    );
  });

  // Found by this property, now fixed (storage/line-protocol.ts, escapeKey/escapeMeasurement): a backslash is written as it
  // is, but InfluxDB 1.x reads a backslash before a special character as an escape (and in the
  // fields section a backslash swallows the next byte). Verified against the tests' influxd:
  // - field key `a\,b` (or `a\ b`, `a\=b`) → line `m a\\,b=1 0`: 400 "invalid field format";
  // - field key `a\"b` → stored as `a"b`; measurement `a\=b` → stored as `a=b` (silent renames);
  // - measurement `a\,b` or `a\ b` → 204, listed as `a,b` / `a b`, its values unreadable (lost);
  // - tag value `\ \="` → the line itself parses, but the write body's next line is swallowed
  //   into it and both points are refused ("point is invalid").
  // Measurements, tags and field names come from family modules, rollup constants and registry
  // slugs today, so no device can reach this; it waits for the first caller with free text.
  // Suggested fix: refuse any backslash in measurements, tag keys, tag values and field keys
  // (checkEncodable), as the trailing one is already refused.
  it('round-trips names that hold backslashes, or refuses them', () => {
    const name = fc.string({ unit: fc.constantFrom('\\', ',', '=', ' ', '"', 'a'), minLength: 1, maxLength: 6 });
    fc.assert(fc.property(pointArb(name, name, influxTime), roundTripsOrRefuses), {
      seed: seeds.escaping + 2,
      numRuns: 500,
      examples: [[{ measurement: 'm', tags: { t: 'x' }, fields: [['a\\,b', 1, 'float']], timeMs: 0 }]],
    });
  });

  // Found by this property, now fixed (line-protocol.ts): InfluxDB 1.x skips blanks (space, tab, NUL) at the start of a line
  // and of the fields section, and takes a line starting with `#` as a comment; encodePoint
  // escapes only the space. So measurement `#m` is dropped with a 204 and no error, `\tm` is
  // stored as `m`, and a first field key `\tf` as `f` (verified against the tests' influxd).
  // Not reachable from devices (measurements and field names are family constants).
  // Suggested fix: refuse a measurement starting with `#`, and names starting with a tab or NUL.
  it('round-trips names that start with # or a blank, or refuses them', () => {
    const blankFirst = fc.tuple(fc.constantFrom('\t', '\0'), cleanName).map(([first, rest]) => `${first}${rest}`);
    const measurement = fc.oneof(blankFirst, cleanName.map((rest) => `#${rest}`));
    fc.assert(fc.property(fc.oneof(pointArb(cleanName, measurement, influxTime), pointArb(fc.oneof(cleanName, blankFirst), cleanMeasurement, influxTime)), roundTripsOrRefuses), {
      seed: seeds.escaping + 3,
      numRuns: 200,
      examples: [[{ measurement: '#m', tags: { t: 'x' }, fields: [['f', 1, 'float']], timeMs: 0 }]],
    });
  });

  // Found by this property, now fixed (line-protocol.ts): a lone UTF-16 surrogate passes checkEncodable, and the body is sent
  // as UTF-8, where it becomes U+FFFD: tag `\ud800x` is stored as `\ufffdx`. Not reachable
  // from devices. Suggested fix: refuse strings that are not well-formed UTF-16.
  it('round-trips names with lone surrogates, or refuses them', () => {
    const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
    const name = fc.tuple(cleanName, surrogate, cleanName).map(([a, s, b]) => `${a}${s}${b}`);
    fc.assert(fc.property(pointArb(fc.oneof(cleanName, name), cleanMeasurement, influxTime), roundTripsOrRefuses), {
      seed: seeds.escaping + 4,
      numRuns: 200,
      examples: [[{ measurement: 'm', tags: { t: '\ud800x' }, fields: [['f', 1, 'float']], timeMs: 0 }]],
    });
  });

  // Found by this property, now fixed (line-protocol.ts): encodePoint writes what InfluxDB 1.x refuses or drops (verified):
  // a time beyond ±9,223,372,036,854 ms (400 "time outside range"; any safe integer passes
  // encodePoint), a `time` tag key (400, point dropped) and a `time` field key (dropped
  // silently with a 204 when the point has other fields, else 400). Readings are never that
  // far from their receive time and field names are family constants, so devices cannot get
  // here. Suggested fix: refuse those in encodePoint.
  it('writes only points InfluxDB accepts, or refuses them', () => {
    const far = fc.oneof(fc.integer({ min: 9_223_372_036_855, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -9_223_372_036_855 }));
    fc.assert(fc.property(pointArb(fc.oneof(cleanName, fc.constant('time')), cleanMeasurement, fc.oneof(influxTime, far)), roundTripsOrRefuses), {
      seed: seeds.escaping + 5,
      numRuns: 300,
      examples: [[{ measurement: 'm', tags: { t: 'x' }, fields: [['f', 1, 'float']], timeMs: 9_223_372_036_855 }]],
    });
  });
});
