import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { WanxiangError } from '../errors.ts';
import { formatZodIssues } from '../zod-issues.ts';
import { targetUnitKeys } from './target-units.ts';

export const ruleIds = [
  'air.pm25-annual-mean', 'air.good-day-ratio', 'water.section-class', 'water.sections-class-v-share', 'water.section-months-meeting-target',
  'noise.trunk-road-night-leq', 'grid.heavy-load-transformers', 'parking.shareable-spaces', 'manual',
] as const;
export type RuleId = (typeof ruleIds)[number];

export const targetSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  indicator: z.string(),
  nameZh: z.string().min(1),
  nameEn: z.string().min(1),
  /** `report`: the plan sets no number; the value is reported without a verdict. */
  comparator: z.enum(['<=', '>=', 'report']),
  value: z.union([z.number(), z.string(), z.null()]),
  /** A unit key, translated in target-units.ts (one place for both languages). */
  unit: z.enum(targetUnitKeys),
  /** 约束性 (binding) or 预期性 (expected), as the plan marks its indicators. */
  kind: z.enum(['binding', 'expected']),
  period: z.literal('year'),
  rule: z.enum(ruleIds),
  /**
   * The 2020 value the plan itself states (the 13th plan's last year, the 14th's baseline), with the plan's
   * lines; absent where the plan states none (issue 22 item 7). Never computed from data.
   */
  baseline2020: z.strictObject({
    value: z.union([z.number(), z.string()]),
    /** Where the plan says it: `line 138`. */
    planRef: z.string().regex(/^lines? \d+(-\d+)?$/),
    /** The plan's own words. */
    quote: z.string().min(1),
  }).optional(),
  site: z.string().optional(),
  roads: z.array(z.string()).optional(),
  planRef: z.string(),
});

/** `plan`: the plan's Chinese name; `planEn`: its English one, which English documents print (issue 22 item 1). */
export const targetsFileSchema = z.strictObject({
  version: z.literal(1),
  plan: z.string().min(1),
  planEn: z.string().min(1),
  /**
   * Who compiles the reports (the signature block's 编制单位, issue 22 item 5): a department of
   * seeds/departments.json by id, with its names as that file gives them (a test keeps them in step).
   */
  compiledBy: z.strictObject({ department: z.string().regex(/^[a-z0-9-]{1,64}$/), zh: z.string().min(1), en: z.string().min(1) }).optional(),
  targets: z.array(targetSchema).min(1),
});

export type Target = z.infer<typeof targetSchema>;
export type TargetsFile = z.infer<typeof targetsFileSchema>;

export async function loadTargets(path: string): Promise<TargetsFile> {
  const parsed = targetsFileSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new WanxiangError('WX_ERR_SEED_INVALID', `${path}: ${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}
