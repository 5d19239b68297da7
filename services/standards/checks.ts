import { WanxiangError } from '../errors.ts';

/** A number that is finite, or a WX_ERR_WRONG_TYPE naming the input. */
export function finiteNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new WanxiangError('WX_ERR_WRONG_TYPE', `${name} must be a finite number`, { value });
  }
  return value;
}

/** A finite number ≥ 0 (concentrations, levels of load, counts). */
export function nonNegative(value: unknown, name: string): number {
  const checked = finiteNumber(value, name);
  if (checked < 0) throw new WanxiangError('WX_ERR_OUT_OF_RANGE', `${name} must not be negative`, { value });
  return checked;
}

/** `null`/`undefined` mean "no value"; anything else must be a finite number ≥ 0. */
export function optionalNonNegative(value: unknown, name: string): number | null {
  return value === null || value === undefined ? null : nonNegative(value, name);
}

/** Conventions: unknown keys are errors, never silently dropped. */
export function rejectUnknownKeys(input: object, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) {
      throw new WanxiangError('WX_ERR_UNKNOWN_FIELD', `${what} has no field '${key}'`, { value: key });
    }
  }
}

/** An option that must be a finite number within [min, max]. */
export function numberInRange(value: unknown, name: string, min: number, max: number): number {
  const checked = finiteNumber(value, name);
  if (checked < min || checked > max) {
    throw new WanxiangError('WX_ERR_OUT_OF_RANGE', `${name} must lie within [${min}, ${max}]`, { value });
  }
  return checked;
}
