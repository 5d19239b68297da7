import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyIds, getFamily, type FamilyId } from '../../services/families/index.ts';
import { parseTelemetry } from '../../services/ingest/parse-telemetry.ts';
import { throughTheDoor } from './support/door.ts';
import { hostileString, limitProfiles, payloadTextArb, readingTextArb, receivedAtArb, sceneArb, seeds, tsTextArb, type Scene } from './support/hostile.ts';

// Properties 1 and 2 of the hostile-input suite: whatever bytes arrive on a telemetry topic,
// the door (parseTelemetry) answers with Readings and catalogued Rejections that account for
// every reading sent, and every Reading it lets through is sound. The helpers in support/door.ts
// state what "account for" and "sound" mean.

const defaults = limitProfiles[0]!;
const tight = limitProfiles[1]!;
const scene = (family: FamilyId, profile = defaults, receivedAtMs = 1_800_000_000_000): Scene => ({ family, receivedAtMs, profile });
const door = (payload: Buffer | string, s: Scene) =>
  throughTheDoor(typeof payload === 'string' ? Buffer.from(payload) : payload, { family: s.family, receivedAtMs: s.receivedAtMs, limits: s.profile.limits });

/** A scene and a payload text drawn for it. */
const scenePayloadArb = (hostility = 1) => sceneArb.chain((s) => payloadTextArb(s, hostility).map((text) => ({ scene: s, text })));

describe('the door never throws, and accounts for every reading', () => {
  it('answers arbitrary bytes', () => {
    fc.assert(
      fc.property(sceneArb, fc.uint8Array({ maxLength: 4_096 }), (s, bytes) => {
        door(Buffer.from(bytes), s);
      }),
      {
        seed: seeds.bytes,
        numRuns: 3_000,
        examples: [
          [scene('air'), new Uint8Array()],
          [scene('air'), new Uint8Array(Buffer.from('\ufeff{"pm25":5}'))], // a BOM is not JSON
          [scene('air'), new Uint8Array(Buffer.from('{"pm25":5,"\xff\xfe":1}', 'latin1'))], // invalid UTF-8
          [scene('air'), new Uint8Array([0x5b, 0x00, 0x5d])],
          [scene('air', tight), new Uint8Array(1_501).fill(0x20)], // over the payload limit, all blanks
        ],
      },
    );
  });

  it('answers payloads that were readings until a few bytes were changed', () => {
    const mutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('insert', 'delete', 'replace', 'truncate'), byte: fc.integer({ min: 0, max: 255 }), length: fc.integer({ min: 1, max: 4 }) });
    fc.assert(
      fc.property(scenePayloadArb(0), fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ scene: s, text }, mutations) => {
        let bytes = Buffer.from(text);
        for (const { at, kind, byte, length } of mutations) {
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          if (kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.alloc(length, byte), bytes.subarray(i)]);
          else if (kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + length)]);
          else if (kind === 'replace' && bytes.length > 0) bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i + 1)]);
          else bytes = bytes.subarray(0, i);
        }
        door(bytes, s);
      }),
      { seed: seeds.bytes + 1, numRuns: 1_500 },
    );
  });

  it('answers arbitrary JSON values, and anything JavaScript can serialise', () => {
    const serialise = (value: unknown) => JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner)) ?? 'null';
    const document = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      fc.anything({ maxDepth: 3, withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withDate: true, withObjectString: true, withBigInt: true }).map(serialise),
      // family keys with any JSON value, so the schema's own paths are walked
      fc.constantFrom(...familyIds).chain((family) => fc.dictionary(fc.oneof(fc.constantFrom(...Object.keys(getFamily(family).fields), 'ts'), hostileString(6)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 })).map((value) => JSON.stringify(value)),
    );
    fc.assert(
      fc.property(sceneArb, document, (s, text) => {
        door(text, s);
      }),
      {
        seed: seeds.json,
        numRuns: 2_500,
        examples: [
          [scene('air'), '{"__proto__":{"pm25":5}}'],
          [scene('air'), '{"pm25":5,"__proto__":null}'],
          [scene('air'), '{"pm25":5,"constructor":1}'],
          [scene('air'), '{"pm25":5,"pm25":"5"}'], // a duplicate key: JSON.parse keeps the last
          [scene('air'), '{"pm25":5}{"pm25":6}'],
          [scene('air'), '"{\\"pm25\\":5}"'], // a reading sent as a JSON string
          [scene('parking'), '{"totalSpaces":10,"occupiedSpaces":10.0}'],
          [scene('parking'), '{"totalSpaces":1e1,"occupiedSpaces":-0}'],
          [scene('grid'), '{"activePower":-0,"powerFactor":-0}'],
        ],
      },
    );
  });
});

describe('near-valid readings and batches', () => {
  it('refuses adversarial values with catalogued codes and lets only sound readings through', () => {
    let accepted = 0;
    fc.assert(
      fc.property(scenePayloadArb(1), ({ scene: s, text }) => {
        accepted += door(text, s).readings.length;
      }),
      {
        seed: seeds.readings,
        numRuns: 2_500,
        examples: [
          [{ scene: scene('air'), text: '{"pm25":1e999}' }],
          [{ scene: scene('air'), text: '{"pm25":"5"}' }],
          [{ scene: scene('air'), text: '{"pm25":null,"pm10":[5],"so2":{"value":5}}' }],
          [{ scene: scene('air'), text: '{"pm25":-0,"temperature":-30,"pressure":1100}' }],
          [{ scene: scene('air'), text: '{"pm25":1000.0000000000001}' }],
          [{ scene: scene('air'), text: '{"pm25":5,"a,b=c d\\"e\\\\f\\n":1}' }],
          [{ scene: scene('parking'), text: '{"totalSpaces":9007199254740993,"occupiedSpaces":0}' }],
          [{ scene: scene('noise'), text: '{"leq":60,"l10":55,"l50":58}' }],
          [{ scene: scene('grid'), text: '{"voltage":10.4}' }],
          [{ scene: scene('water'), text: '{"ph":7,"ts":"2027-01-15T08:00:00"}' }],
          [{ scene: scene('air'), text: '[]' }],
          [{ scene: scene('air'), text: '[{}]' }],
          [{ scene: scene('air'), text: '[{"pm25":5},7,null,"x",[],{"pm25":5,"ts":-1},{"pm25":5}]' }],
          [{ scene: scene('air', tight), text: '[{"pm25":1},{"pm25":2},{"pm25":3},{"pm25":4},{"pm25":5}]' }],
        ],
      },
    );
    // Property 2 is only as good as the readings that reach it.
    expect(accepted).toBeGreaterThan(1_000);
  });

  it('keeps good readings of a batch when their neighbours are bad', () => {
    const drawn = sceneArb.chain((s) => fc.array(fc.tuple(readingTextArb(s.family, s.receivedAtMs, s.profile.limits, 0), fc.boolean()), { minLength: 1, maxLength: Math.min(8, s.profile.limits.maxBatchReadings) }).map((items) => ({ scene: s, items })));
    fc.assert(
      fc.property(drawn, fc.constantFrom('7', 'null', '"x"', '[]', '{}', '{"nope":1}'), ({ scene: s, items }, bad) => {
        // some items replaced by a bad one: the door must judge each item on its own
        const texts = items.map(([text, spoil]) => (spoil ? bad : text));
        const alone = texts.flatMap((text) => door(`[${text}]`, s).readings);
        expect(door(`[${texts.join(',')}]`, s).readings).toEqual(alone);
      }),
      { seed: seeds.batches, numRuns: 500 },
    );
  });
});

describe('device timestamps', () => {
  it('turns every ts into a time within the limits of the receive time, or a coded refusal', () => {
    const arb = fc.record({ family: fc.constantFrom(...familyIds), receivedAtMs: receivedAtArb, profile: fc.constantFrom(...limitProfiles) }).chain((s) =>
      fc.tuple(readingTextArb(s.family, s.receivedAtMs, s.profile.limits, 0), tsTextArb(s.receivedAtMs, s.profile.limits)).map(([reading, ts]) => ({
        scene: s,
        // the drawn reading may carry a ts already; this one replaces it (JSON.parse keeps the last key)
        text: ts === undefined ? reading : reading.replace(/}$/, `${reading === '{}' ? '' : ','}"ts":${ts}}`),
      })),
    );
    fc.assert(
      fc.property(arb, ({ scene: s, text }) => {
        door(text, s);
      }),
      {
        seed: seeds.timestamps,
        numRuns: 3_000,
        examples: [
          [{ scene: scene('air'), text: '{"pm25":5,"ts":99999999999}' }], // just under 1e11: seconds, so far in the future
          [{ scene: scene('air'), text: '{"pm25":5,"ts":100000000000}' }], // 1e11: milliseconds, 1973
          [{ scene: scene('air'), text: '{"pm25":5,"ts":1800000000.0005}' }],
          [{ scene: scene('air'), text: '{"pm25":5,"ts":-0}' }],
          [{ scene: scene('air'), text: '{"pm25":5,"ts":1e999}' }],
          [{ scene: scene('air'), text: '{"pm25":5,"ts":"1800000000000"}' }],
          [{ scene: scene('air'), text: '{"pm25":5,"ts":"2027-01-15T08:00:00.123456789+0800"}' }],
          [{ scene: scene('air'), text: '{"pm25":5,"ts":"2027-01-15T08:00:00+24:00"}' }],
          [{ scene: scene('air'), text: '{"pm25":5,"ts":"+275760-09-13T00:00:00Z"}' }],
          [{ scene: scene('air', defaults, 1_800_000_300_000), text: '{"pm25":5,"ts":1800000600000}' }], // exactly maxFutureMs ahead
          [{ scene: scene('air', defaults, 1_800_000_300_000), text: '{"pm25":5,"ts":1800000600001}' }],
        ],
      },
    );
  });

  // Found by this property, now fixed (timestamps.ts, parseDeviceTime): an ISO date that does not exist (29 February of a
  // common year, 30 or 31 February, 31 April, ...) matches isoWithZone, and V8's Date.parse
  // rolls it over into the next month, so `2027-02-29T00:00Z` is stored as 2027-03-01T00:00Z
  // instead of being refused with WX_ERR_BAD_TIMESTAMP. 
  it('reads an ISO timestamp as the instant it spells, or refuses it', () => {
    const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
    const spelled = fc.record({ year: fc.integer({ min: 2024, max: 2035 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }), hour: fc.integer({ min: 0, max: 23 }), minute: fc.integer({ min: 0, max: 59 }) });
    fc.assert(
      fc.property(spelled, ({ year, month, day, hour, minute }) => {
        const pad = (n: number) => String(n).padStart(2, '0');
        const ts = `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}Z`;
        const receivedAtMs = Date.UTC(year, month - 1, Math.min(day, daysIn(year, month)), hour, minute);
        const result = parseTelemetry({ family: getFamily('air'), deviceId: 'air-prop', payload: Buffer.from(`{"pm25":5,"ts":"${ts}"}`), receivedAtMs: receivedAtMs + 3 * 86_400_000 }, defaults.limits);
        const reading = result.readings[0];
        if (day > daysIn(year, month)) expect(result.rejections[0]?.code, `${ts} does not exist`).toBe('WX_ERR_BAD_TIMESTAMP');
        else expect(reading?.timeMs, ts).toBe(Date.UTC(year, month - 1, day, hour, minute));
      }),
      { seed: seeds.timestamps + 1, numRuns: 300, examples: [[{ year: 2027, month: 2, day: 29, hour: 0, minute: 0 }]] },
    );
  });
});

describe('deeply nested JSON', () => {
  // Found by this property, now fixed (parse-telemetry.ts): the rejection messages call JSON.stringify on the offending
  // value (parseOne: `reading is ${JSON.stringify(item)}`, describeIssue: `${key}=${JSON.stringify(values[key])}`,
  // resolveTimestamp: `ts ${JSON.stringify(raw)}`). V8's JSON.stringify throws RangeError
  // ("Maximum call stack size exceeded") on arrays or objects nested more than 4,096 deep,
  // while JSON.parse takes them; so an 8 KB payload such as `[[[…4097…]]]` or
  // `{"pm25":[[[…4097…]]]}` makes parseTelemetry throw instead of refusing it. In createIngest
  // the throw escapes accept(); the broker logs "ingest failed" and drops the message: it is
  // neither counted nor dead-lettered, and the good readings of the same batch are lost.
  it('refuses JSON nested deeper than JSON.stringify can go, without throwing', () => {
    const where = fc.constantFrom('batch item', 'field value', 'ts', 'beside a good reading');
    fc.assert(
      fc.property(where, fc.integer({ min: 4_097, max: 20_000 }), fc.boolean(), (place, depth, objects) => {
        const deep = objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
        const text = { 'batch item': `[${deep}]`, 'field value': `{"pm25":${deep}}`, ts: `{"pm25":5,"ts":${deep}}`, 'beside a good reading': `[{"pm25":5},${deep}]` }[place]!;
        door(text, scene('air'));
      }),
      { seed: seeds.json + 1, numRuns: 40, examples: [['field value', 4_097, false]] },
    );
  });
});
