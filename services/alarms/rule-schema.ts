import { z } from 'zod';
import { familyIds, getFamily } from '../families/index.ts';

/**
 * The shape of seeds/alarm-rules.json: alarm rules as data. A rule names a condition kind
 * (evaluated by one file under conditions/) and its parameters; limits that a standard
 * module already holds (GB 3095, GB 3096, GB 3838 target classes, grid thresholds) are
 * referred to by name, never restated here.
 */

const fieldKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,40}$/);
const ambientItems = ['pm25_24h', 'pm10_24h', 'so2_1h', 'no2_1h', 'co_1h', 'o3_1h'] as const;
const hourPollutants = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3'] as const;

export const conditionSchema = z.discriminatedUnion('kind', [
  /** The real-time AQI (HJ 633 by the reading's date) of the station's latest 1-h values, above a level. */
  z.strictObject({ kind: z.literal('aqi-realtime'), above: z.number().int().min(0).max(500) }),
  /** A pollutant's mean over the clock hour so far above a GB 3095 limit (item and grade named, phase by date). */
  z.strictObject({ kind: z.literal('hour-mean'), pollutant: z.enum(hourPollutants), limit: z.enum(ambientItems), grade: z.union([z.literal(1), z.literal(2)]).default(2) }),
  /** The daily AQI of the Beijing day so far (HJ 633 by the day's version) above a level, once `minHours` hours have data. */
  z.strictObject({ kind: z.literal('aqi-day'), above: z.number().int().min(0).max(500), minHours: z.number().int().min(1).max(24).default(1) }),
  /** A river section's single-factor class (GB 3838-2002) worse than the target class in its registry record. */
  z.strictObject({ kind: z.literal('water-target') }),
  /** A transformer's load rate at or above the configured heavy/overload threshold for a time or a number of points. */
  z.strictObject({
    kind: z.literal('load-run'),
    level: z.enum(['heavy', 'overload']),
    forMs: z.number().int().positive().optional(),
    points: z.number().int().positive().optional(),
  }).refine((c) => (c.forMs === undefined) !== (c.points === undefined), 'give exactly one of forMs and points'),
  /** A road's Leq over its GB 3096-2008 night limit, for the zone classes listed. */
  z.strictObject({ kind: z.literal('noise-night'), zones: z.array(z.enum(['0', '1', '2', '3', '4a', '4b'])).min(1) }),
  /** A lot at or above an occupancy for a time. */
  z.strictObject({ kind: z.literal('parking-full'), atLeastPct: z.number().positive().max(100), forMs: z.number().int().positive() }),
  /** No reading for this many of the device's report intervals (checked by the engine's sweep). */
  z.strictObject({ kind: z.literal('silent'), intervals: z.number().positive().max(1_000) }),
  /** The ingest's stuck-sensor detector flags the device's readings. */
  z.strictObject({ kind: z.literal('stuck') }),
  // Generic kinds (issue 25, item 3): they name a field of the rule's family, so a new family's rules are data only.
  /** The sum of a field over a trailing window at or above a level (rainfall in 3 h: the rainstorm signals). */
  z.strictObject({ kind: z.literal('window-sum'), field: fieldKey, windowMs: z.number().int().positive().max(7 * 86_400_000), atLeast: z.number().positive() }),
  /** A field's latest value at or above a level given here or read from the device's registry attribute (a point's own depth level). */
  z.strictObject({ kind: z.literal('field-above'), field: fieldKey, atLeast: z.number().optional(), atLeastAttribute: fieldKey.optional() })
    .refine((c) => c.atLeast !== undefined || c.atLeastAttribute !== undefined, 'give atLeast, atLeastAttribute or both (the number is the fallback)'),
  /** A coded field's latest value is one of the named values (a charger in fault). */
  z.strictObject({ kind: z.literal('field-is'), field: fieldKey, is: z.array(fieldKey).min(1) }),
  /** The share (%) of the family's devices on a street whose coded field is one of the named values, below a level (free chargers). */
  z.strictObject({ kind: z.literal('street-share'), field: fieldKey, is: z.array(fieldKey).min(1), belowPct: z.number().positive().max(100), minDevices: z.number().int().min(1).max(10_000).default(2) }),
]);

const placeholder = /\{(value|limit)\}/;
const text = z.string().min(1).max(200).regex(placeholder, 'needs a {value} or {limit} placeholder');

export const alarmRuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'lower-case letters, digits and hyphens'),
  /** The family whose devices the rule watches; `any` for every device (silent, stuck). */
  family: z.enum([...familyIds, 'any']),
  severity: z.enum(['info', 'warning', 'critical']),
  /** Templates; {site}, {device}, {value}, {limit} and {category} (the value's band, where the condition has bands) are filled in. */
  textZh: text,
  textEn: text,
  condition: conditionSchema,
  /** Consecutive readings the condition must hold before an alarm opens (1: the first one). */
  debounce: z.number().int().min(1).max(10_000),
  /** An open alarm closes itself once its condition has been clear for this long. */
  holdMs: z.number().int().min(0).max(7 * 86_400_000),
});

const familyOf: Partial<Record<z.infer<typeof conditionSchema>['kind'], string>> = {
  'aqi-realtime': 'air', 'hour-mean': 'air', 'aqi-day': 'air', 'water-target': 'water', 'load-run': 'grid', 'noise-night': 'noise', 'parking-full': 'parking',
};

export const alarmRulesFileSchema = z
  .strictObject({ version: z.literal(1), rules: z.array(alarmRuleSchema).min(1) })
  .superRefine((file, context) => {
    const ids = new Set<string>();
    file.rules.forEach((rule, index) => {
      if (ids.has(rule.id)) context.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `duplicate rule id ${rule.id}` });
      ids.add(rule.id);
      if (checkGenericCondition(rule, index, context)) return;
      const family = familyOf[rule.condition.kind] ?? 'any';
      if (family !== rule.family) context.addIssue({ code: 'custom', path: ['rules', index, 'family'], message: `a ${rule.condition.kind} condition watches ${family}, not ${rule.family}` });
    });
  });

const genericKinds = new Set(['window-sum', 'field-above', 'field-is', 'street-share']);

/** A generic condition names a field of the rule's family (and coded values that field has); true when the rule is generic. */
function checkGenericCondition(rule: z.infer<typeof alarmRuleSchema>, index: number, context: z.RefinementCtx): boolean {
  const condition = rule.condition;
  if (!genericKinds.has(condition.kind) || !('field' in condition)) return false;
  const path = ['rules', index, 'condition'];
  if (rule.family === 'any') {
    context.addIssue({ code: 'custom', path: ['rules', index, 'family'], message: `a ${condition.kind} condition names a field: give the family` });
    return true;
  }
  const field = getFamily(rule.family).fields[condition.field];
  if (!field) {
    context.addIssue({ code: 'custom', path: [...path, 'field'], message: `${rule.family} has no field ${condition.field}` });
    return true;
  }
  if ('is' in condition) {
    const unknown = condition.is.filter((name) => !(field.codes ?? []).includes(name));
    if (unknown.length > 0) context.addIssue({ code: 'custom', path: [...path, 'is'], message: `${rule.family}.${condition.field} has no value(s) ${unknown.join(', ')}${field.codes ? ` (it has ${field.codes.join(', ')})` : ' (not a coded field)'}` });
  }
  return true;
}

export type AlarmCondition = z.infer<typeof conditionSchema>;
export type AlarmRule = z.infer<typeof alarmRuleSchema>;
export type AlarmRulesFile = z.infer<typeof alarmRulesFileSchema>;
