import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyIds, getFamily, type FamilyId } from '../../services/families/index.ts';
import { parseTelemetry } from '../../services/ingest/parse-telemetry.ts';
import type { Reading } from '../../services/ingest/reading.ts';
import { createReadingEncoder, readingToPoint } from '../../services/ingest/to-point.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { encodePoint } from '../../services/storage/line-protocol.ts';
import { check, throughTheDoor } from './support/door.ts';
import { limitProfiles, payloadTextArb, receivedAtArb, seeds } from './support/hostile.ts';
import { readBody, readLine, type LineValue } from './support/influx-line-reader.ts';

// Property 3 of the hostile-input suite: every Reading the door accepts becomes one line of
// line protocol that InfluxDB 1.x reads back as exactly that reading on exactly its device's
// series, whichever of the two encoders writes it.

const registry = await loadRegistryFile(new URL('../../seeds/devices.json', import.meta.url).pathname);
const devicesOf = (family: FamilyId) => registry.devices.filter((device) => device.family === family);
const encoder = createReadingEncoder(); // one for the whole run, as in createIngest: its caches are under test too
const probe = 'probe,device=p value=1i 0';

/** The tags a device's points must carry: the registry's values and nothing else. */
function registryTags(device: DeviceRecord): Map<string, string> {
  const family = getFamily(device.family);
  return new Map(Object.entries({ device: device.id, site: device.site, street: device.street, ...family.tagsFrom?.(device.attributes) }));
}

/** The fields a reading's point must carry: its values, its family's derived fields, the receive lag. */
function expectedFields(reading: Reading, device: DeviceRecord): Map<string, { type: 'float' | 'int'; value: number }> {
  const family = getFamily(reading.family);
  const fields = new Map<string, { type: 'float' | 'int'; value: number }>();
  for (const [key, value] of Object.entries(reading.values)) fields.set(family.fields[key]!.field, { type: family.fields[key]!.type, value });
  for (const [field, value] of Object.entries(family.derive?.(reading.values, device.attributes) ?? {})) fields.set(field, { type: family.fieldTypes.get(field) ?? 'float', value });
  fields.set('recv_lag_ms', { type: 'int', value: reading.receivedAtMs - reading.timeMs });
  return fields;
}

const sameValue = (read: LineValue, expected: { type: 'float' | 'int'; value: number }) =>
  read.type === expected.type && (read.type === 'int' ? read.value === BigInt(expected.value) : read.value === expected.value); // -0 is written 0

/** Both encoders' line for a reading, held to what InfluxDB must read back. */
function expectFaithfulLine(reading: Reading, device: DeviceRecord): void {
  const line = encoder.encode(reading, device);
  const says = () => `line ${JSON.stringify(line)} for ${JSON.stringify(reading)}`;
  check(line === encodePoint(readingToPoint(reading, device)), () => `${says()}: encodePoint(readingToPoint(...)) differs`);
  check(!/[\n\r]/.test(line), () => `${says()}: a line break`);
  check(/^[^ ,]+,[^ ]+ [^ ]+ \d+$/.test(line), () => `${says()}: not measurement,tags fields timestamp`);
  const read = readLine(line);
  check(read.ok, () => `${says()}: InfluxDB would refuse it (${read.ok ? '' : read.error})`);
  const { point } = read;
  check(point.measurement === getFamily(reading.family).measurement, () => `${says()}: measurement ${point.measurement}`);
  const tags = registryTags(device);
  check(point.tags.length === tags.size && point.tags.every(([key, value]) => tags.get(key) === value), () => `${says()}: tags ${JSON.stringify(point.tags)}`);
  const fields = expectedFields(reading, device);
  check(point.fields.length === fields.size, () => `${says()}: ${point.fields.length} fields, expected ${[...fields.keys()].join(',')}`);
  for (const [name, value] of point.fields) {
    const expected = fields.get(name);
    check(expected !== undefined && sameValue(value, expected), () => `${says()}: field ${name} reads ${String(value.value)} (${value.type})`);
  }
  check(point.timestamp === BigInt(reading.timeMs), () => `${says()}: timestamp ${point.timestamp}`);
  // in a write body, the next line stays a line of its own
  const [, next, ...more] = readBody(`${line}\n${probe}`);
  check(next !== undefined && next.ok && next.point.measurement === 'probe' && more.length === 0, () => `${says()}: the next line of the batch is not read as written`);
}

const derivedAllFinite = (reading: Reading, device: DeviceRecord) => Object.values(getFamily(reading.family).derive?.(reading.values, device.attributes) ?? {}).every(Number.isFinite);

const sceneArb = fc.record({ family: fc.constantFrom(...familyIds), receivedAtMs: receivedAtArb, profile: fc.constantFrom(...limitProfiles) }).chain((scene) =>
  fc.record({ device: fc.constantFrom(...devicesOf(scene.family)), text: payloadTextArb(scene, 0) }).map(({ device, text }) => ({ ...scene, device, text })),
);

describe('accepted readings as line protocol', () => {
  it('encode to one faithful line on the device’s own series, the same from both encoders', () => {
    let lines = 0;
    fc.assert(
      fc.property(sceneArb, ({ device, text, receivedAtMs, profile }) => {
        const { readings } = throughTheDoor(Buffer.from(text), { family: device.family, deviceId: device.id, receivedAtMs, limits: profile.limits });
        for (const reading of readings) {
          if (derivedAllFinite(reading, device)) {
            expectFaithfulLine(reading, device);
            lines++;
          } else {
            // the known gap below: both encoders must at least refuse it with the catalogue's code
            expect(() => encoder.encode(reading, device)).toThrow(expect.objectContaining({ code: 'WX_ERR_UNENCODABLE' }));
            expect(() => encodePoint(readingToPoint(reading, device))).toThrow(expect.objectContaining({ code: 'WX_ERR_UNENCODABLE' }));
          }
        }
      }),
      { seed: seeds.encoding, numRuns: 1_500 },
    );
    expect(lines).toBeGreaterThan(2_000);
  });

  // Found by this property, now fixed (families/grid.ts, derive): load_rate_pct divides |activePower| by powerFactor, and the
  // door accepts any powerFactor in [0, 1]. A subnormal or tiny power factor (5e-324, or 1e-305
  // with a large active power) makes the quotient overflow to Infinity; formatFieldValue then
  // refuses the whole reading with WX_ERR_UNENCODABLE after the door has accepted it, so a
  // reading with a perfectly good active power is dead-lettered at the writer instead of being
  // stored (or refused at the door with a precise code). 
  it('can encode every reading the door accepts', () => {
    const grid = devicesOf('grid');
    const value = fc.record({ activePower: fc.double({ min: -2_000_000, max: 2_000_000, noNaN: true }), powerFactor: fc.double({ min: 0, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(fc.constantFrom(...grid), value, (device, values) => {
        const { readings } = parseTelemetry({ family: getFamily('grid'), deviceId: device.id, payload: Buffer.from(JSON.stringify(values)), receivedAtMs: 1_800_000_000_000 }, limitProfiles[0]!.limits);
        for (const reading of readings) expectFaithfulLine(reading, device);
      }),
      { seed: seeds.encoding + 1, numRuns: 500, examples: [[grid[0]!, { activePower: 1, powerFactor: 5e-324 }]] },
    );
  });
});

describe('the line reader itself', () => {
  it('reads a registry device’s line as InfluxDB does', () => {
    const device = devicesOf('parking')[0]!;
    const reading: Reading = { family: 'parking', deviceId: device.id, timeMs: 1_800_000_000_000, receivedAtMs: 1_800_000_001_500, values: { totalSpaces: 10, occupiedSpaces: 4 } };
    const line = encoder.encode(reading, device);
    expect(readLine(line)).toMatchObject({ ok: true, point: { measurement: 'parking', timestamp: 1_800_000_000_000n } });
    expectFaithfulLine(reading, device);
  });
});
