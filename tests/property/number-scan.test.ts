import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { familyIds, getFamily, type FamilyId } from '../../services/families/index.ts';
import { scanNumericPayload } from '../../services/ingest/number-scan.ts';
import { parseTelemetry, type ParseLimits } from '../../services/ingest/parse-telemetry.ts';
import { createReadingEncoder } from '../../services/ingest/to-point.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { limitProfiles, payloadTextArb, receivedAtArb, sceneArb } from './support/hostile.ts';
import { readLine } from './support/influx-line-reader.ts';

// The door reads the common payload (numbers under the family's keys) with its own scanner and
// keeps each number's text for the line protocol (number-scan.ts, issue 26). Held here: on the
// hostile suite's payloads the door answers exactly as it does through JSON.parse (the same
// readings, values, key order and refusals), every kept text is the value's own, and InfluxDB
// reads a line written from the texts as the same doubles.

const registry = await loadRegistryFile(new URL('../../seeds/devices.json', import.meta.url).pathname);
const encoder = createReadingEncoder();
/** A mapping that changes nothing turns the scanner off: the door then takes JSON.parse's path. */
const identity = (item: Record<string, unknown>) => item;

function bothWays(family: FamilyId, text: string, receivedAtMs: number, limits: ParseLimits) {
  const payload = Buffer.from(text);
  const input = { family: getFamily(family), deviceId: `${family}-scan`, payload, receivedAtMs };
  return { scanned: parseTelemetry(input, limits), parsed: parseTelemetry({ ...input, mapping: identity }, limits) };
}

function expectSameAnswer(family: FamilyId, text: string, receivedAtMs: number, limits: ParseLimits): boolean {
  const { scanned, parsed } = bothWays(family, text, receivedAtMs, limits);
  expect(scanned.rejections, text).toEqual(parsed.rejections);
  expect(scanned.readings.length, text).toBe(parsed.readings.length);
  scanned.readings.forEach((reading, index) => {
    const other = parsed.readings[index]!;
    expect(Object.entries(reading.values), text).toEqual(Object.entries(other.values)); // order too: the line's field order follows
    expect({ ...reading, values: null }, text).toEqual({ ...other, values: null });
  });
  if (scanned.texts === undefined) return false;
  expect(scanned.texts.length, text).toBe(scanned.readings.length);
  scanned.readings.forEach((reading, index) => {
    for (const [key, value] of Object.entries(reading.values)) expect(Number(scanned.texts![index]![key]), `${text}: ${key}`).toBe(value);
  });
  return true;
}

describe('the number scanner', () => {
  it('answers as JSON.parse does on the hostile suite', () => {
    let scannedPayloads = 0;
    fc.assert(
      fc.property(sceneArb.chain((scene) => payloadTextArb(scene, 1).map((text) => ({ scene, text }))), ({ scene, text }) => {
        if (expectSameAnswer(scene.family, text, scene.receivedAtMs, scene.profile.limits)) scannedPayloads += 1;
      }),
      { seed: 20_261_207, numRuns: 3_000 },
    );
    expect(scannedPayloads).toBeGreaterThan(200); // the scanner's own path was taken, not only the fallback
  });

  it('answers as JSON.parse does on plausible payloads, and takes nearly all of them', () => {
    let scannedPayloads = 0;
    fc.assert(
      fc.property(sceneArb.chain((scene) => payloadTextArb(scene, 0).map((text) => ({ scene, text }))), ({ scene, text }) => {
        if (expectSameAnswer(scene.family, text, scene.receivedAtMs, scene.profile.limits)) scannedPayloads += 1;
      }),
      { seed: 20_261_208, numRuns: 2_000 },
    );
    expect(scannedPayloads).toBeGreaterThan(900); // the rest carry a ts the scanner leaves to JSON.parse (null, an object, an escape)
  });

  it('leaves to JSON.parse what is not numbers under the family’s keys', () => {
    const air = getFamily('air');
    for (const text of [
      '{}', '[]', '[{}]', '{"pm25":"12"}', '{"pm25":null}', '{"pm25":1,"pm25":2}', '{"pm\\u0032":1}', '{"pm25 ":1}', '{"PM25":1}',
      '{"__proto__":1}', '{"pm25":1,}', '[{"pm25":1},]', '{"pm25":01}', '{"pm25":1.}', '{"pm25":.5}', '{"pm25":+1}', '{"pm25":1e}',
      '{"pm25":-}', '{"pm25":1', '[{"pm25":1}', '\ufeff{"pm25":1}', '{"pm25":1} x', '{"pm25":[1]}', '{"pm25":{"a":1}}', '{"pm25":true}',
      '{"pm25":NaN}', '{"pm25":Infinity}', '{"pm25":0x10}', '{"pm25":1}{"pm25":2}', '[{"pm25":1}][]', '{"pm25"\u00a0:1}', '"pm25"', '1', 'null',
    ]) {
      expect(scanNumericPayload(Buffer.from(text), air), text).toBeNull();
    }
    for (const text of ['{"ts":"2026-12-07T00:00:00\\u005a"}', '{"ts":"2026-12-07T00:00:00Z\u0001"}', '{"ts":"2026-12-07T00:00:00Z', '{"pm25":"2026"}', '{"ts":"2026-12-07T00:00:00Zé"}']) {
      expect(scanNumericPayload(Buffer.from(text), air), text).toBeNull();
    }
    expect(scanNumericPayload(Buffer.from(' \t\r\n[ {"pm25" : -0.50e+1 ,\n"ts":1}\t, {"ts" :\t"2026-12-07T00:00:00+08:00", "pm10": 0}]\n'), air)).toEqual({
      batch: true,
      items: [{ pm25: -5, ts: 1 }, { ts: '2026-12-07T00:00:00+08:00', pm10: 0 }],
      texts: [{ pm25: '-0.50e+1', ts: '1' }, { pm10: '0' }],
    });
  });

  it('reads every JSON number as JSON.parse does', () => {
    const air = getFamily('air');
    const number = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
      fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.stringMatching(/^[0-9]{1,25}$/)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 400 }))))
        .map(([negative, whole, fraction, exponent]) => `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}${exponent ? `${exponent[0]}${exponent[1]}${exponent[2]}` : ''}`),
    );
    fc.assert(
      fc.property(number, (text) => {
        const scanned = scanNumericPayload(Buffer.from(`{"pm25":${text}}`), air);
        expect(Object.is(scanned?.items[0]?.pm25, JSON.parse(text)), text).toBe(true);
        expect(scanned?.texts[0]?.pm25).toBe(text);
      }),
      { seed: 20_261_209, numRuns: 20_000 },
    );
  });

  it('writes lines from the texts that read back as the values', () => {
    const scenes = fc.record({ family: fc.constantFrom(...familyIds), receivedAtMs: receivedAtArb, profile: fc.constantFrom(...limitProfiles) }).chain((scene) =>
      fc.record({ device: fc.constantFrom(...registry.devices.filter((device) => device.family === scene.family)), text: payloadTextArb(scene, 0) }).map((picked) => ({ ...scene, ...picked })),
    );
    let lines = 0;
    fc.assert(
      fc.property(scenes, ({ device, text, receivedAtMs, profile }) => {
        const result = parseTelemetry({ family: getFamily(device.family), deviceId: device.id, payload: Buffer.from(text), receivedAtMs }, profile.limits);
        result.readings.forEach((reading, index) => {
          let printed: string;
          try {
            printed = encoder.encode(reading, device);
          } catch {
            return; // not encodable either way (reading-encoding.test.ts holds that case)
          }
          const fromTexts = encoder.encode(reading, device, result.texts?.[index]);
          const [a, b] = [readLine(printed), readLine(fromTexts)];
          expect(a.ok && b.ok, fromTexts).toBe(true);
          if (a.ok && b.ok) expect(b.point, fromTexts).toEqual(a.point);
          lines += 1;
        });
      }),
      { seed: 20_261_210, numRuns: 800 },
    );
    expect(lines).toBeGreaterThan(1_000);
  });
});

describe('number texts in the real influxd', () => {
  const url = inject('influxUrl');
  const database = 'wx_number_texts';
  afterAll(async () => {
    await createInfluxClient({ url, database }).query(`DROP DATABASE "${database}"`, { database: null });
  });

  it('are stored as the doubles JSON.parse reads from them', async () => {
    const texts = ['1E2', '1e2', '1e+2', '1.5E-3', '0.1e1', '12.50', '-0.50e+1', '0e-0', '5e-324', '1.7976931348623157e308', '-1.7976931348623157e308', '123456789012345678901234567890', '9007199254740993', '1.0000000000000002', '2e-308', '0.000001', '35.2'];
    const client = createInfluxClient({ url, database });
    await client.query(`CREATE DATABASE "${database}"`, { database: null });
    await client.write(texts.map((text, index) => `texts,n=${index} value=${text} ${1_800_000_000_000 + index}`).join('\n'));
    const [series] = await client.query('SELECT n, value FROM texts ORDER BY time');
    const stored = series!.values.map((row) => row[2]);
    expect(stored).toEqual(texts.map((text) => JSON.parse(text) as number));
  });
});
