import type { Family, PayloadValues } from '../families/index.ts';

/**
 * A reading's values checked without zod, compiled once per family from the family
 * module's field specs: the hot path's answer for the common case. It says only "valid,
 * here are the values" or "not valid"; for the second, the door asks the family's zod
 * schema (the source of truth) for the coded reason. tests/property/fast-validator.test.ts
 * holds the two in agreement on the hostile-input suite's payloads.
 */
export type FastValidator = (item: Readonly<Record<string, unknown>>) => PayloadValues | null;

interface CompiledField {
  readonly min: number;
  readonly max: number;
  readonly int: boolean;
  readonly required: boolean;
  /** The field's place in the schema's key order. */
  readonly index: number;
}

const compiled = new WeakMap<Family, FastValidator>();

export function fastValidatorFor(family: Family): FastValidator {
  let validator = compiled.get(family);
  if (validator) return validator;
  const fields = new Map<string, CompiledField>();
  let requiredCount = 0;
  for (const [key, spec] of Object.entries(family.fields)) {
    fields.set(key, { min: spec.min, max: spec.max, int: spec.type === 'int', required: spec.required === true, index: fields.size });
    if (spec.required) requiredCount += 1;
  }
  const order = [...fields.keys()];
  validator = (item) => {
    // One pass over the reading's own keys checks each value and copies it (what a refused
    // reading copied is garbage, and rare); keys are unique, so counting the required ones
    // found says whether all are there.
    const values: PayloadValues = {};
    let required = 0;
    let last = -1;
    let ordered = true;
    for (const key in item) {
      if (key === 'ts') continue;
      const field = fields.get(key);
      const value = item[key];
      // As zod's strictObject and number(): unknown keys, non-numbers, NaN and ±Infinity fail;
      // int() means a safe integer; bounds are inclusive.
      if (field === undefined || typeof value !== 'number' || !Number.isFinite(value)) return null;
      if ((field.int && !Number.isSafeInteger(value)) || value < field.min || value > field.max) return null;
      if (field.required) required += 1;
      if (field.index < last) ordered = false;
      last = field.index;
      values[key] = value;
    }
    if (required < requiredCount) return null;
    if (ordered) return values;
    // In the schema's key order, as zod returns them (the line's field order follows).
    const sorted: PayloadValues = {};
    for (const key of order) if (Object.hasOwn(values, key)) sorted[key] = values[key]!;
    return sorted;
  };
  compiled.set(family, validator);
  return validator;
}
