import type { z } from 'zod';
import { WanxiangError, type ErrorCode } from '../errors.ts';

// A row's identity (its kind and its date or time) decides which standard applies; a problem
// there makes the whole row unusable: WX_ERR_BAD_ROW (errors.ts).
const IDENTITY_FIELDS: ReadonlySet<PropertyKey> = new Set(['kind', 'date', 'time']);

/**
 * A value rendered to at most two levels and five items a level: never a recursive JSON.stringify of
 * whatever the caller sent, which a body nested 100,000 deep turns into a stack overflow and a 500
 * (issue 18 item 13).
 */
function preview(value: unknown, depth: number): string {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return String(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value) ?? String(value);
  const more = (count: number) => (count > 5 ? ',...' : '');
  if (Array.isArray(value)) return depth >= 2 ? '[...]' : `[${value.slice(0, 5).map((item) => preview(item, depth + 1)).join(',')}${more(value.length)}]`;
  if (depth >= 2) return '{...}';
  const entries = Object.entries(value);
  return `{${entries.slice(0, 5).map(([key, item]) => `${JSON.stringify(key.slice(0, 40))}:${preview(item, depth + 1)}`).join(',')}${more(entries.length)}}`;
}

/** A short, safe rendering of the failing value for a message. */
export function show(value: unknown): string {
  const text = preview(value, 0);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A field the row does not have at all (not one that is there with a bad value). */
const absent = (issue: z.core.$ZodIssue) => issue.path.length > 0 && issue.input === undefined;

function codeOf(issue: z.core.$ZodIssue): ErrorCode {
  if (IDENTITY_FIELDS.has(issue.path[0] ?? '')) return 'WX_ERR_BAD_ROW';
  if (absent(issue)) return 'WX_ERR_MISSING_FIELD';
  switch (issue.code) {
    case 'unrecognized_keys': return 'WX_ERR_UNKNOWN_FIELD';
    case 'too_small':
    case 'too_big': return 'WX_ERR_OUT_OF_RANGE';
    case 'invalid_type':
    case 'invalid_union': return 'WX_ERR_WRONG_TYPE';
    default: return 'WX_ERR_BAD_ROW';
  }
}

function describe(issue: z.core.$ZodIssue, kind: string): string {
  const field = issue.path.join('.');
  if (absent(issue)) return `${field} is required`;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `'${key}'`).join(', ')} for kind ${kind}`;
    case 'invalid_type':
      return `${field} must be a ${issue.expected}, not ${show(issue.input)}${issue.input === null ? ' (leave a missing value out)' : ''}`;
    case 'too_small':
      return `${field} must not be negative, not ${show(issue.input)}`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map((value) => show(value)).join(', ')}, not ${show(issue.input)}`;
    default:
      return `${field} ${issue.message}, not ${show(issue.input)}`;
  }
}

/**
 * All problems of a row in one error (conventions: report everything at once). The code is the
 * first problem's; the value is the first failing value.
 */
export function rowErrorFromIssues(issues: readonly z.core.$ZodIssue[], kind: string): WanxiangError {
  const first = issues[0];
  const code = first ? codeOf(first) : 'WX_ERR_BAD_ROW';
  const message = issues.map((issue) => describe(issue, kind)).join('; ');
  return new WanxiangError(code, message, { value: first?.input });
}
