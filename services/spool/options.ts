import { z } from 'zod';
import { WanxiangError } from '../errors.ts';
import { formatZodIssues } from '../zod-issues.ts';

const positiveInt = z.number().int().positive();

export const spoolOptionsSchema = z
  .strictObject({
    /** Created if missing. */
    dir: z.string().min(1),
    /** Roll to a new segment file before an append would take the current one past this size. */
    segmentBytes: positiveInt.default(16 * 1024 * 1024),
    /** Disk quota over all segment files; appends past it are refused with WX_ERR_SPOOL_FULL. */
    maxBytes: positiveInt.default(1024 * 1024 * 1024),
    /** Group commit window: appends within it share one fdatasync. */
    fsyncIntervalMs: z.number().min(0).max(10_000).default(10),
  })
  .refine((options) => options.segmentBytes <= options.maxBytes, { message: 'segmentBytes must not exceed maxBytes', path: ['segmentBytes'] });

export type SpoolOptions = z.input<typeof spoolOptionsSchema>;
export type SpoolConfig = z.output<typeof spoolOptionsSchema>;

/** Validates spool options and fills in defaults; every problem is reported at once. */
export function parseSpoolOptions(options: SpoolOptions): SpoolConfig {
  const parsed = spoolOptionsSchema.safeParse(options);
  if (!parsed.success) throw new WanxiangError('WX_ERR_CONFIG', `invalid spool options: ${formatZodIssues(parsed.error.issues)}`, { value: options });
  return parsed.data;
}
