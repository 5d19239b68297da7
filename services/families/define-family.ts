import { z } from 'zod';

/** One measured quantity of a family: payload key, InfluxDB field, unit, plausible range. */
export interface FieldSpec {
  /** InfluxDB field name, snake_case with its unit (conventions §13). */
  readonly field: string;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  /** `int` fields are written with line protocol's `i` suffix; the type never changes per field. */
  readonly type: 'float' | 'int';
  readonly required?: boolean;
  readonly description: string;
  /** HJ 212 factor code (HJ 212-2017 Appendix B, HJ 524/525), for stations speaking HJ 212 (issue 20). */
  readonly hj212?: string;
  /** What an HJ 212 value is multiplied by to be in `unit` (packets carry no unit: the standard's default unit is assumed). */
  readonly hj212Factor?: number;
}

/** Values of one reading after validation, keyed by payload key. */
export type PayloadValues = Record<string, number>;

export interface FamilyDefinition<
  Id extends string,
  Fields extends Record<string, FieldSpec>,
  Attributes extends z.ZodType,
> {
  readonly id: Id;
  readonly title: string;
  /** InfluxDB measurement the family's readings land in. */
  readonly measurement: string;
  /** The interval a device of this family reports at, and the QoS it uses. */
  readonly reportIntervalMs: number;
  readonly qos: 0 | 1;
  /** HJ 212 system code ST its stations send (HJ 212-2017 Table 5: 21 water, 22 air, 23 noise, 31 air pollution source). */
  readonly hj212System?: string;
  readonly fields: Fields;
  /** Registry attributes a device of this family must carry (rated kVA, zone class, ...). */
  readonly attributes: Attributes;
  /** Extra InfluxDB tags taken from the registry; values must be bounded (ids, classes), never free text. */
  readonly tagsFrom?: (attributes: z.infer<Attributes>) => Record<string, string>;
  /** Cross-field checks the per-field ranges cannot express; returns a reason or null. */
  readonly inconsistency?: (values: PayloadValues) => string | null;
  /** Derived InfluxDB fields (field name → value), computed once at the door. */
  readonly derive?: (values: PayloadValues, attributes: z.infer<Attributes>) => Record<string, number>;
  /** Derived fields' specs, so the writer and dashboards know their types and units. */
  readonly derivedFields?: Record<string, Omit<FieldSpec, 'field' | 'min' | 'max'>>;
}

export interface Family<
  Id extends string = string,
  Fields extends Record<string, FieldSpec> = Record<string, FieldSpec>,
  Attributes extends z.ZodType = z.ZodType,
> extends FamilyDefinition<Id, Fields, Attributes> {
  /** Strict schema of one reading's values (unknown keys refused, no coercion). */
  readonly valuesSchema: z.ZodType<PayloadValues>;
  /** Every InfluxDB field this family writes, with its line-protocol type. */
  readonly fieldTypes: ReadonlyMap<string, 'float' | 'int'>;
}

function fieldSchema(spec: FieldSpec): z.ZodType<number> {
  // zod 4's number() refuses NaN and ±Infinity; strings are never coerced.
  const base = spec.type === 'int' ? z.number().int() : z.number();
  return base.min(spec.min).max(spec.max);
}

/** Builds the derived parts of a family (schema, field types) from its definition. */
export function defineFamily<
  const Id extends string,
  const Fields extends Record<string, FieldSpec>,
  Attributes extends z.ZodType,
>(definition: FamilyDefinition<Id, Fields, Attributes>): Family<Id, Fields, Attributes> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(definition.fields)) {
    shape[key] = spec.required ? fieldSchema(spec) : fieldSchema(spec).optional();
  }
  const fieldTypes = new Map<string, 'float' | 'int'>();
  for (const spec of Object.values(definition.fields)) fieldTypes.set(spec.field, spec.type);
  for (const [field, spec] of Object.entries(definition.derivedFields ?? {})) fieldTypes.set(field, spec.type);
  return {
    ...definition,
    valuesSchema: z.strictObject(shape) as unknown as z.ZodType<PayloadValues>,
    fieldTypes,
  };
}
