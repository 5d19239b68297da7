import { describe, expect, it } from 'vitest';
import { derivedFrom, familyIds, getFamily, type Family, type PayloadValues } from '../../../services/families/index.ts';
import { loadRegistryFile } from '../../../services/registry/device-registry.ts';
import { generateReading } from '../../../simulators/generate-reading.ts';

// A review mark of a raw field takes out the fields derived from it (services/review/marked-fields.ts),
// by the sources each derived field declares (derivedFields[…].from). The declaration must be what
// `derive` really reads: one source too few and a mark leaves a value computed from invalid data in
// the rollups; one too many and a mark takes out a valid value. Each raw value is moved in turn, and
// the derived fields that change are the ones computed from it.
const registry = await loadRegistryFile(new URL('../../../seeds/devices.json', import.meta.url).pathname);
const deriving = familyIds.map(getFamily).filter((family) => family.derive !== undefined);

/** A value inside the field's range, and the same value moved by a tenth of the range (still inside it). */
const valueAt = (min: number, max: number, share: number, type: 'float' | 'int') => (type === 'int' ? Math.round(min + (max - min) * share) : min + (max - min) * share);

/** Readings that take each path of `derive`: every field at once, and each optional field left out in turn. */
function readingsOf(family: Family): PayloadValues[] {
  const full = Object.fromEntries(Object.entries(family.fields).map(([key, spec]) => [key, valueAt(spec.min, spec.max, 0.3, spec.type)]));
  const optional = Object.entries(family.fields).filter(([, spec]) => !spec.required).map(([key]) => key);
  const without = optional.map((left) => Object.fromEntries(Object.entries(full).filter(([key]) => key !== left)));
  const allOptionalOut = Object.fromEntries(Object.entries(full).filter(([key]) => !optional.includes(key)));
  // And what the simulators send, over a day.
  const simulated = registry.devices.filter((device) => device.family === family.id).slice(0, 2)
    .flatMap((device) => [0, 6, 12, 18].map((hour) => generateReading(2025, device, Date.parse('2025-03-10T00:00:00+08:00') + hour * 3_600_000)));
  return [full, ...without, allOptionalOut, ...simulated];
}

/** The payload keys whose change moves each derived field, over every reading and every device of the family. */
function observedSources(family: Family): Map<string, Set<string>> {
  const observed = new Map(Object.keys(family.derivedFields ?? {}).map((field) => [field, new Set<string>()]));
  for (const device of registry.devices.filter((entry) => entry.family === family.id)) {
    for (const reading of readingsOf(family)) {
      const before = family.derive!(reading, device.attributes);
      for (const key of Object.keys(reading)) {
        const spec = family.fields[key]!;
        const moved = reading[key]! + (spec.max - spec.min) * 0.1 <= spec.max ? reading[key]! + (spec.max - spec.min) * 0.1 : reading[key]! - (spec.max - spec.min) * 0.1;
        const after = family.derive!({ ...reading, [key]: spec.type === 'int' ? Math.round(moved) : moved }, device.attributes);
        for (const field of observed.keys()) if (!Object.is(before[field], after[field])) observed.get(field)!.add(key);
      }
    }
  }
  return observed;
}

describe('derived fields declare the raw fields they are computed from', () => {
  it('has families that derive fields (grid, parking)', () => {
    expect(deriving.map((family) => family.id).sort()).toEqual(['grid', 'parking']);
  });

  for (const family of deriving) {
    it(`${family.id}: each derived field's declared sources are exactly the raw values that move it`, () => {
      const declared = Object.fromEntries(Object.entries(family.derivedFields ?? {}).map(([field, spec]) => [field, [...spec.from].sort()]));
      const observed = Object.fromEntries([...observedSources(family)].map(([field, keys]) => [field, [...keys].sort()]));
      expect(observed).toEqual(declared);
      // And derive computes exactly the fields it declares.
      expect(Object.keys(family.derive!(readingsOf(family)[0]!, registry.devices.find((device) => device.family === family.id)!.attributes)).sort()).toEqual(Object.keys(family.derivedFields ?? {}).sort());
    });
  }

  it('names the sources as InfluxDB fields, and gives the derived fields a list of raw fields takes with it', () => {
    const grid = getFamily('grid');
    const parking = getFamily('parking');
    expect(grid.derivedSources.get('load_rate_pct')).toEqual(['active_kw', 'reactive_kvar', 'power_factor']);
    expect(parking.derivedSources.get('occupancy_pct')).toEqual(['occupied_spaces', 'total_spaces']);
    expect(derivedFrom(grid, ['active_kw'])).toEqual(['load_rate_pct']);
    expect(derivedFrom(grid, ['voltage_kv', 'current_a'])).toEqual([]);
    // A list naming the derived field itself takes nothing more; a list naming it alone takes no raw field.
    expect(derivedFrom(grid, ['active_kw', 'load_rate_pct'])).toEqual([]);
    expect(derivedFrom(grid, ['load_rate_pct'])).toEqual([]);
    expect(derivedFrom(parking, ['total_spaces'])).toEqual(['occupancy_pct']);
    expect(derivedFrom(parking, ['entries', 'exits'])).toEqual([]);
  });
});
