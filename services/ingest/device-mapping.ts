import { families, type FamilyId } from '../families/index.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { lookupTable } from '../hj212/intervals.ts';

/**
 * The one mapping from what a device sends to its family's fields, for every door (issue 20,
 * item 3; design.md "one function every door calls"): HJ 212 codes as the family modules name
 * them, HJ/T 212-2005 codes through the 原编码 column of HJ 212-2017 Tables B.1/B.2, and the
 * device's own alias map (`codes`: vendor names such as PM25, TEMP) and unit factors (`units`:
 * a station that sends CO in µg/m³). MQTT JSON payloads go through the same alias and unit map.
 */
export interface MappedField {
  readonly family: FamilyId;
  /** The family's payload key (pm25, leq, ph, ...). */
  readonly key: string;
  /** What the sent value is multiplied by to be in the family's unit. */
  readonly factor: number;
}

/** HJ 212 code → family field, from the family modules. */
const byCode = new Map<string, MappedField>();
for (const [familyId, family] of Object.entries(families)) {
  for (const [key, spec] of Object.entries(family.fields) as Array<[string, { hj212?: string; hj212Factor?: number }]>) {
    if (spec.hj212) byCode.set(spec.hj212, { family: familyId as FamilyId, key, factor: spec.hj212Factor ?? 1 });
  }
}

/** HJ/T 212-2005 codes still sent by old loggers → the 2017 codes (HJ 212-2017 Tables B.1/B.2, 原编码). */
export const codes2005 = lookupTable({ '001': 'w01001', '011': 'w01018', '060': 'w21003', '101': 'w21011', '065': 'w21001' });

export interface DeviceMapping {
  /** The family field a code names for this device, or null (unknown: counted and kept). */
  field(code: string): MappedField | null;
  /** An MQTT JSON reading with the device's aliases renamed and unit factors applied; the same object when nothing applies. */
  json(item: Record<string, unknown>): Record<string, unknown>;
}

const identity: DeviceMapping = { field: (code) => byCode.get(codes2005[code] ?? code) ?? null, json: (item) => item };

const cache = new WeakMap<DeviceRecord, DeviceMapping>();

/** The device's mapping; built once per registry record (a new record after a registry change builds anew). */
export function mappingOf(device: DeviceRecord): DeviceMapping {
  const aliases = device.hj212?.codes;
  const units = device.hj212?.units;
  if (!aliases && !units) return identity;
  let mapping = cache.get(device);
  if (mapping) return mapping;
  const ownFields = families[device.family].fields as Record<string, unknown>;
  // One factor a field, whichever name it is given under: the family key, the HJ 212 code or the vendor's.
  const unitOf = (name: string) => (units && Object.hasOwn(units, name) ? units[name] : undefined);
  const factorOf = (key: string, ...names: string[]) => unitOf(key) ?? names.map(unitOf).find((factor) => factor !== undefined) ?? 1;
  const resolve = (code: string): MappedField | null => {
    // Own keys only: a station's `constructor` is no alias (red team 5).
    const target = (aliases && Object.hasOwn(aliases, code) ? aliases[code] : undefined) ?? code;
    // An alias may name a field of the device's own family directly (`TEMP` → `temperature`).
    if (Object.hasOwn(ownFields, target)) return { family: device.family, key: target, factor: factorOf(target, code) };
    const known = byCode.get(codes2005[target] ?? target);
    if (!known) return null;
    return { ...known, factor: known.factor * factorOf(known.key, target, code) };
  };
  // A name's mapping never changes for this record: resolved once (issue 26, item 4: the map's
  // cost a message). Bounded: names that map to nothing are not kept past 1,000 of them.
  const resolved = new Map<string, MappedField | null>();
  let unmapped = 0;
  const field = (code: string): MappedField | null => {
    let mapped = resolved.get(code);
    if (mapped === undefined) {
      mapped = resolve(code);
      if (mapped !== null || unmapped < 1_000) resolved.set(code, mapped);
      if (mapped === null) unmapped += 1;
    }
    return mapped;
  };
  const json = (item: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const name in item) {
      const value = item[name];
      if (name === 'ts') {
        out.ts = value;
        continue;
      }
      const mapped = field(name);
      // A key of another family or an unknown one stays as sent: the family's schema refuses it with its code.
      // (defined, not assigned: a sent `__proto__` key stays a key the schema refuses, never the object's prototype)
      if (!mapped || mapped.family !== device.family) Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      else out[mapped.key] = typeof value === 'number' && mapped.factor !== 1 ? value * mapped.factor : value;
    }
    return out;
  };
  cache.set(device, (mapping = { field, json }));
  return mapping;
}
