import type { z } from 'zod';

/** One line naming every problem and where it is, e.g. `devices.3.lat: Too big`. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
