import { z } from 'zod';
import { WanxiangError } from '../errors.ts';

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
  /** The field's name for people, in both of the screen's languages (the series' field buttons): the one place it is named. */
  readonly label: Bilingual;
  readonly description: string;
  /** HJ 212 factor code (HJ 212-2017 Appendix B, HJ 524/525), for stations speaking HJ 212 (issue 20). */
  readonly hj212?: string;
  /** What an HJ 212 value is multiplied by to be in `unit` (packets carry no unit: the standard's default unit is assumed). */
  readonly hj212Factor?: number;
  /** A coded field (issue 25): the value is an index into these names (a charger's state), written as an int. */
  readonly codes?: readonly string[];
}

/** One stored reading as a rollup reads it back: time and fields by InfluxDB field name (issue 25, item 4). */
export interface RollupRow {
  readonly time: number;
  readonly fields: Readonly<Record<string, number>>;
}

/** One rollup point of a device (its tags are the device's, added by the rollup engine); every field a float. */
export interface RollupOutput {
  readonly measurement: string;
  readonly fields: Readonly<Record<string, number>>;
  readonly timeMs: number;
}

/**
 * How one field of a family's daily rollup adds up over days (a month) and over a group of devices
 * (a station) (issue 25, item 4): summed (rain, hours, energy), the largest (depths), a plain mean,
 * or a mean weighted by another field of the same point (a share of readings, by its readings).
 */
export type Combine = 'sum' | 'max' | 'mean' | { readonly weightedBy: string };
export interface SummaryField {
  /** Over the days of a month. */
  readonly combine: Combine;
  /** Over the devices of a group or of the district (the key figures); `combine` when absent. */
  readonly across?: Combine;
  readonly unit: string;
  readonly label: Bilingual;
  /** One of the family's key figures: the screen's panel shows today's, the report the period's. */
  readonly key?: boolean;
}

/**
 * Issue 25, item 4: the months (and groups) of a family's daily rollup (`<measurement>_daily`), so
 * the rollup engine writes `<measurement>_monthly` per device and, with `groupBy`, the group's day
 * and month (`<measurement>_<tag>_daily`, `_monthly`) without naming the family anywhere else.
 */
export interface RollupSummary {
  readonly fields: Readonly<Record<string, SummaryField>>;
  /**
   * A field of the daily points that is 0 on a day with too little data (a depth gauge's day with
   * fewer than 20 valid hours): such a day is no day of a month, a group's day or a span's figures,
   * as an invalid air day counts in none (GB 3095 Table 4). A point without the field counts. The
   * months and group days the engine writes carry the flag too: 0 when none of their points counted.
   */
  readonly validFlag?: string;
  /** A tag from `tagsFrom` whose devices also count together (a charging station's chargers). */
  readonly groupBy?: { readonly tag: string; readonly label: Bilingual };
}

/** A label in both of the screen's languages. */
export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

/** A device's state judged by its family module (issue 25): 0 good … 3 worst, a label key and the figure judged. */
export interface FamilyState {
  readonly severity: 0 | 1 | 2 | 3;
  /** A key of `presentation.states`. */
  readonly label: string;
  readonly value: number | string | null;
  readonly limit: number | string | null;
}

/**
 * How the screen, the live API and the dashboards show a family that has no hand-written panel
 * (issue 25, item 3): everything they need comes from here, so a new family edits no screen file.
 */
export interface FamilyPresentation {
  readonly label: Bilingual;
  /** A short name (two to four characters) for filters, legends and narrow columns. */
  readonly shortLabel: Bilingual;
  /** Payload keys shown as the row's figure and sparkline: the first one the device's reading carries. */
  readonly headline: readonly string[];
  /** Map symbol: an ECharts symbol name or `path://` outline. */
  readonly symbol: string;
  /** Legend colour of the symbol (the map colours devices by state). */
  readonly colour: string;
  /** Labels of the states `state` returns. */
  readonly states: Readonly<Record<string, Bilingual>>;
  /** Labels of coded fields' values (charger states), by field key then code name. */
  readonly codeLabels?: Readonly<Record<string, Readonly<Record<string, Bilingual>>>>;
  /** Titles of the family's alarm rules (seeds/alarm-rules.json ids) for the wall's alarm groups; `{limit}` is the rule's limit. */
  readonly ruleTitles?: Readonly<Record<string, Bilingual>>;
}

/**
 * A field `derive` computes at the door. `from` names every raw field (payload key) `derive` may read
 * for it, so a review mark of a raw field takes out what was computed from it too (an officer marking
 * a transformer's active power out also takes out its load rate, HJ 818's review: a value computed
 * from an invalid one is no more valid). tests/unit/families/derived-sources.test.ts holds the list
 * to what `derive` really reads.
 */
export interface DerivedFieldSpec<Key extends string = string> extends Omit<FieldSpec, 'field' | 'min' | 'max'> {
  readonly from: readonly Key[];
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
  /** Derived fields' specs, so the writer and dashboards know their types and units, and what each is computed from. */
  readonly derivedFields?: Record<string, DerivedFieldSpec<keyof Fields & string>>;
  /** Issue 25: what a generic panel shows (families with a hand-written panel may leave it out). */
  readonly presentation?: FamilyPresentation;
  /**
   * Issue 25, item 4: the family's daily rollup of one device, from its rows of the Beijing day
   * [startMs, endMs) and its sampling interval; the rollup engine runs it for any family that has one.
   * Each output's time lies within [startMs, endMs): the window answers for its points there, and a stored
   * one it no longer yields becomes a tombstone (rollups/stale-points.ts).
   */
  readonly dailyRollup?: (day: { readonly startMs: number; readonly endMs: number }, rows: readonly RollupRow[], attributes: z.infer<Attributes>, samplingMinutes: number) => RollupOutput[];
  /** Issue 25, item 4: how `dailyRollup`'s `<measurement>_daily` fields add up to months and groups. */
  readonly rollupSummary?: RollupSummary;
  /** Issue 25: the device's state from its latest values, for families the live service has no judge for. */
  readonly state?: (values: PayloadValues, attributes: z.infer<Attributes>, timeMs: number) => FamilyState | null;
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
  /** Each derived InfluxDB field → the InfluxDB fields of the raw values it is computed from (`derivedFields[…].from`). */
  readonly derivedSources: ReadonlyMap<string, readonly string[]>;
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
    derivedSources: derivedSourcesOf(definition),
  };
}

/** The InfluxDB fields each derived field is computed from; a source that is no field of the family is a mistake in its module. */
function derivedSourcesOf(definition: Pick<FamilyDefinition<string, Record<string, FieldSpec>, z.ZodType>, 'id' | 'fields' | 'derivedFields'>): Map<string, readonly string[]> {
  const sources = new Map<string, readonly string[]>();
  for (const [field, spec] of Object.entries(definition.derivedFields ?? {})) {
    if (spec.from.length === 0) throw new WanxiangError('WX_ERR_INTERNAL', `family ${definition.id}: derived field ${field} names no raw field it is computed from`, { value: field });
    sources.set(field, spec.from.map((key) => {
      const raw = definition.fields[key];
      if (!raw) throw new WanxiangError('WX_ERR_INTERNAL', `family ${definition.id}: derived field ${field} is computed from ${key}, which is no field of the family`, { value: key });
      return raw.field;
    }));
  }
  return sources;
}

/**
 * The derived fields a list of raw InfluxDB fields takes with it: each one computed from any of them
 * (a mark of `active_kw` takes `load_rate_pct`), leaving out those the list names itself.
 */
export function derivedFrom(family: Pick<Family, 'derivedSources'>, fields: readonly string[]): string[] {
  const named = new Set(fields);
  return [...family.derivedSources].filter(([derived, sources]) => !named.has(derived) && sources.some((source) => named.has(source))).map(([derived]) => derived);
}
