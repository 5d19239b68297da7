import fc from 'fast-check';
import { parseConfig, type Config } from '../../../services/config.ts';
import { familyIds, getFamily, type FamilyId, type FieldSpec } from '../../../services/families/index.ts';
import type { ParseLimits } from '../../../services/ingest/parse-telemetry.ts';

/** Fixed seeds: a failure names its seed and path, and the next run finds it again. */
export const seeds = {
  bytes: 20_250_101,
  json: 20_250_102,
  readings: 20_250_103,
  batches: 20_250_104,
  timestamps: 20_250_105,
  encoding: 20_250_106,
  escaping: 20_250_107,
  topics: 20_250_108,
  influxd: 20_250_109,
} as const;

/** The limits createIngest builds from a configuration: `{ ...config.ingest, maxPayloadBytes: config.mqtt.maxPayloadBytes }`. */
function limitsOf(config: Config): ParseLimits {
  const { maxBatchReadings, maxFutureMs, maxAgeMs } = config.ingest;
  return { maxBatchReadings, maxFutureMs, maxAgeMs, maxPayloadBytes: config.mqtt.maxPayloadBytes };
}

/** The default configuration's limits, and a tight set that makes the edges cheap to reach. */
export const limitProfiles: ReadonlyArray<{ readonly name: string; readonly limits: ParseLimits }> = [
  { name: 'defaults', limits: limitsOf(parseConfig({})) },
  { name: 'tight', limits: limitsOf(parseConfig({ mqtt: { maxPayloadBytes: 1_500 }, ingest: { maxBatchReadings: 4, maxFutureMs: 60_000, maxAgeMs: 3_600_000 } })) },
];

/** Receive times from 2017 to 2036: what Date.now() gives on a live platform. */
export const receivedAtArb = fc.integer({ min: 1_500_000_000_000, max: 2_100_000_000_000 });

/** Characters that line protocol, JSON, MQTT or a terminal treat specially, and some that look alike. */
export const specialChars = [',', '=', ' ', '"', '\\', '\n', '\r', '\t', '#', '\0', "'", '{', '}', '[', ']', ':', '/', '+', '\u00a0', '\u2028', '\ufeff', 'é', '中', '😀', 'e', 'i', '-', '.', '0', '1', 'a', 'Z', '_'];

/** One unit of a hostile string: a special character, any code point, or a printable grapheme. */
export const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...specialChars) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);
export const hostileString = (maxLength = 12) => fc.string({ unit: hostileUnit, maxLength });

/** JSON texts for a number that no range check should let through, or that JSON turns into something else. */
const numberLiterals = [
  '1e999', '-1e999', '1e-999', '-0', '-0.0', '0e-0', '1E2', '5e-324', '-5e-324', '1.7976931348623157e308', '-1.7976931348623157e308',
  '123456789012345678901234567890', '0.1e1', '1e308', '9007199254740993', '-9007199254740993', '1.0000000000000002', '2e-308',
];
const nonNumberLiterals = ['null', 'true', 'false', '[]', '{}', '[1]', '[[1]]', '{"value":1}', '"NaN"', '"Infinity"', '"-Infinity"', '"1e3"', '" 5"', '"5 "', '""', '"0x10"'];

/** A JSON text of any value that is not a plausible measurement. */
export const hostileValueText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...numberLiterals),
  fc.constantFrom(...nonNumberLiterals),
  fc.double().map((value) => JSON.stringify(value)), // NaN and ±Infinity become null
  fc.integer().map(String),
  fc.double({ noNaN: true }).map((value) => JSON.stringify(String(value))),
  hostileString().map((text) => JSON.stringify(text)),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
);

/** A JSON text of a value within a field's range (edges included), or just outside it. */
function plausibleValueText(spec: FieldSpec): fc.Arbitrary<string> {
  const inRange = spec.type === 'int' ? fc.integer({ min: Math.ceil(spec.min), max: Math.floor(spec.max) }) : fc.double({ min: spec.min, max: spec.max, noNaN: true });
  const span = spec.max - spec.min;
  const edges = [spec.min, spec.max, spec.min - span * 1e-9, spec.max + span * 1e-9, spec.min - 1, spec.max + 1, spec.max * 10];
  return fc.oneof(
    { weight: 24, arbitrary: inRange.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: fc.constantFrom(...edges).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.constantFrom(`${spec.min}.0`, `${spec.max}e0`, `${spec.max}.000`, '-0', spec.type === 'int' ? `${Math.floor(spec.max) - 1}.5` : `${spec.min}.5e0`) },
  );
}

const fieldKeysOf = (family: FamilyId) => Object.keys(getFamily(family).fields);

/** Keys that are not a family's payload keys but look like them or like things JavaScript treats specially. */
function strangeKey(family: FamilyId): fc.Arbitrary<string> {
  const near = fieldKeysOf(family).flatMap((key) => [key.toUpperCase(), ` ${key}`, `${key} `, `${key}\u0000`, getFamily(family).fields[key]!.field]);
  return fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'time', 'value', '', ...near), hostileString(8));
}

/** A ts member near the edges of what the limits accept, in every form the door knows and some it must refuse. */
export function tsTextArb(receivedAtMs: number, limits: ParseLimits): fc.Arbitrary<string | undefined> {
  const edges = [0, -limits.maxAgeMs, -limits.maxAgeMs - 1, -limits.maxAgeMs + 1, limits.maxFutureMs, limits.maxFutureMs + 1, limits.maxFutureMs - 1];
  const delta = fc.oneof(fc.constantFrom(...edges), fc.integer({ min: -2 * limits.maxAgeMs, max: 2 * limits.maxFutureMs }), fc.integer({ min: -limits.maxAgeMs, max: limits.maxFutureMs }));
  const iso = (ms: number, zone: string, offsetMinutes: number) => {
    const text = new Date(ms + offsetMinutes * 60_000).toISOString();
    return `${text.slice(0, -1)}${zone}`;
  };
  // forms 0-8 and 14-15 are accepted forms, 9-13 are refused ones
  const form = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 14, 15) }, { weight: 1, arbitrary: fc.integer({ min: 9, max: 13 }) });
  const forms = fc.tuple(delta, form).map(([d, form]) => {
    const ms = receivedAtMs + d;
    switch (form) {
      case 0: return String(ms);
      case 1: return String(ms + 0.5);
      case 2: return String(ms / 1_000);
      case 3: return String(Math.round(ms / 1_000));
      case 4: return JSON.stringify(new Date(ms).toISOString());
      case 5: return JSON.stringify(iso(ms, '+08:00', 480));
      case 6: return JSON.stringify(iso(ms, '-0330', -210));
      case 7: return JSON.stringify(new Date(ms).toISOString().replace(/:\d\d\.\d+Z$/, 'Z'));
      case 8: return JSON.stringify(new Date(ms).toISOString().replace(/Z$/, '456789Z'));
      case 9: return JSON.stringify(new Date(ms).toISOString().replace(/Z$/, '')); // no zone: refused
      case 10: return JSON.stringify(new Date(ms).toISOString().replace('T', ' '));
      case 11: return JSON.stringify(new Date(ms).toISOString().toLowerCase());
      case 12: return JSON.stringify(String(ms));
      case 13: return String(-ms);
      case 14: return `${ms}e0`;
      default: return JSON.stringify(new Date(ms).toISOString().replace(/Z$/, '+0800'));
    }
  });
  const odd = fc.constantFrom('1e999', '-1', '-0', '0', '1e11', '99999999999', '100000000000', '1e300', '9007199254740993', 'null', 'true', '[]', '{}', '""', '"2027-02-30T00:00Z"', '"+275760-09-13T00:00:00Z"', '"9999-12-31T23:59:59Z"', '"2024-01-01T00:00:00+24:00"');
  return fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 8, arbitrary: forms }, { weight: 2, arbitrary: odd }, { weight: 1, arbitrary: hostileValueText });
}

/** A JSON object text for one reading of a family: its keys with plausible or hostile values, some strange keys, maybe a ts. */
export function readingTextArb(family: FamilyId, receivedAtMs: number, limits: ParseLimits, hostility = 1): fc.Arbitrary<string> {
  const specs = getFamily(family).fields;
  const members = fc.tuple(
    ...Object.entries(specs).map(([key, spec]) =>
      fc.option(fc.oneof({ weight: 40, arbitrary: plausibleValueText(spec) }, { weight: hostility, arbitrary: hostileValueText }), { nil: undefined, freq: spec.required ? 25 : 3 }).map((text) => [key, text] as const),
    ),
  );
  const extras = hostility > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(strangeKey(family), fc.oneof(hostileValueText, plausibleValueText(Object.values(specs)[0]!))), { minLength: 1, maxLength: 2 }) }) : fc.constant([]);
  return fc.tuple(members, extras, tsTextArb(receivedAtMs, limits), fc.boolean()).map(([known, strange, ts, tsFirst]) => {
    const entries: Array<readonly [string, string]> = known.filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
    const all = [...entries, ...strange];
    if (ts !== undefined && tsFirst) all.unshift(['ts', ts]);
    else if (ts !== undefined) all.push(['ts', ts]);
    return `{${all.map(([key, text]) => `${JSON.stringify(key)}:${text}`).join(',')}}`;
  });
}

/** A scenario for the door: a family, a receive time, a limit profile. */
export const sceneArb = fc.record({
  family: fc.constantFrom(...familyIds),
  receivedAtMs: receivedAtArb,
  profile: fc.constantFrom(...limitProfiles),
});
export type Scene = { readonly family: FamilyId; readonly receivedAtMs: number; readonly profile: (typeof limitProfiles)[number] };

/** A batch item: mostly readings, sometimes anything else JSON can hold. */
export function itemTextArb(scene: Scene, hostility = 1): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: readingTextArb(scene.family, scene.receivedAtMs, scene.profile.limits, hostility) },
    { weight: hostility, arbitrary: hostileValueText },
  );
}

/** A payload text: one reading, or a batch (empty, within the limit, or just past it), with stray whitespace. */
export function payloadTextArb(scene: Scene, hostility = 1): fc.Arbitrary<string> {
  const max = scene.profile.limits.maxBatchReadings;
  const item = itemTextArb(scene, hostility);
  // At and just past the batch limit the items repeat: 500 distinct readings would cost much and show nothing more.
  const atLimit = fc.tuple(fc.constantFrom(max, max + 1), fc.array(item, { minLength: 1, maxLength: 3 })).map(([length, few]) => Array.from({ length }, (_, i) => few[i % few.length]!));
  const items = fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 12, arbitrary: fc.array(item, { minLength: 1, maxLength: Math.min(max, 10) }) }, { weight: max > 50 ? 1 : 3, arbitrary: atLimit });
  const batch = items.map((texts) => `[${texts.join(',')}]`);
  const padding = fc.constantFrom('', ' ', '\n', '\t', '\r\n');
  return fc.tuple(padding, fc.oneof({ weight: 2, arbitrary: item }, { weight: 3, arbitrary: batch }), padding).map(([before, text, after]) => `${before}${text}${after}`);
}
