import type { ErrorCode } from '../errors.ts';
import type { Rejection } from './reading.ts';

export interface Problem {
  readonly code: ErrorCode;
  readonly message: string;
  /** The reading's place in the batch, when the message was one. */
  readonly index?: number;
}

/**
 * Every problem of a message, flat: each refused reading's causes (a wrong type and an unknown
 * field of one reading are two), in order, the first `max` named and the rest counted
 * (issue 19, item 5: a device learns all its mistakes from one refusal, not one at a time).
 * Null when the message had a single problem: its code and message say it all.
 */
export function listProblems(rejections: readonly Rejection[], max: number): { readonly problems: Problem[]; readonly notNamed: number } | null {
  if (rejections.length === 1 && rejections[0]!.causes === undefined) return null;
  const problems: Problem[] = [];
  let total = 0;
  for (const rejection of rejections) {
    for (const cause of rejection.causes ?? [rejection]) {
      total += 1;
      if (problems.length < max) problems.push(rejection.index === undefined ? { code: cause.code, message: cause.message } : { code: cause.code, message: cause.message, index: rejection.index });
    }
  }
  return { problems, notNamed: total - problems.length };
}
