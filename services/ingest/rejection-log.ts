import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.ts';
import { describePayload, type DeadLetterFile } from './dead-letter.ts';
import type { Rejection } from './reading.ts';
import { listProblems } from './problems.ts';
import { createRefusalBudget, type RefusalBudgetLimits } from './refusal-budget.ts';

export interface RejectionContext {
  readonly device?: string;
  readonly topic?: string;
  readonly payload?: Buffer;
  /** Every problem of the message, when it had several (a batch, a reading with two mistakes). */
  readonly problems?: readonly Rejection[];
}

export interface RejectionLog {
  record(rejection: Rejection, context: RejectionContext): void;
  /** Every problem of one message: counted each, written once (one warn line, one dead-letter record). */
  recordMessage(problems: readonly Rejection[], context: RejectionContext): void;
  /** Rejected readings per device and reason code, since start. */
  byDevice(): Record<string, Record<string, number>>;
  /** Logs one summary line of what the budgets held back since the last call (called once a minute). */
  summarize(): void;
}

/** The problems a dead-letter record or a warn line names; the rest are counted. */
const maxProblemsNamed = 20;

/** Codes whose device id is the sender's own choice, not a registered device: one shared budget. */
const unregistered = new Set(['WX_ERR_UNKNOWN_DEVICE', 'WX_ERR_BAD_TOPIC', 'WX_ERR_FAMILY_MISMATCH']);


/**
 * One place where a refusal is counted, logged with its code and kept in the dead-letter file:
 * one warn line and one record per message, however many problems it had (issue 18, item 10),
 * within the device's budgets (refusal-budget.ts).
 */
export function createRejectionLog(deps: { metrics: Metrics; log: Logger; deadLetter: DeadLetterFile; maxPayloadBytes: number; budget: RefusalBudgetLimits; now: () => number; onRecord?: (rejection: Rejection, context: RejectionContext) => void }): RejectionLog {
  const counts = new Map<string, Map<string, number>>();
  const budget = createRefusalBudget(deps.budget, deps.now);

  function count(device: string, problem: Rejection): void {
    deps.metrics.readingsRejected.inc({ reason: problem.code }, problem.readings);
    let perDevice = counts.get(device);
    if (perDevice === undefined) counts.set(device, (perDevice = new Map<string, number>()));
    perDevice.set(problem.code, (perDevice.get(problem.code) ?? 0) + problem.readings);
  }

  function recordMessage(problems: readonly Rejection[], context: RejectionContext): void {
    const first = problems[0];
    if (first === undefined) return;
    const device = context.device ?? '(unknown)';
    for (const problem of problems) count(device, problem);
    const owner = unregistered.has(first.code) || context.device === undefined ? '(unregistered)' : device;
    const readings = problems.reduce((sum, problem) => sum + problem.readings, 0);
    const several = problems.length > 1;
    const listed = listProblems(problems, maxProblemsNamed);
    const message = several ? `${first.message} (and ${problems.length - 1} more refused reading${problems.length > 2 ? 's' : ''})` : first.message;
    if (budget.takeLine(owner)) {
      deps.log.warn({ code: first.code, device, topic: context.topic, index: first.index, ...(several ? { problems: problems.length, readings } : {}) }, message);
    } else deps.metrics.refusalsSuppressed.inc({ kind: 'log' });
    const line = JSON.stringify({
      at: new Date(deps.now()).toISOString(),
      code: first.code,
      message,
      device: context.device,
      topic: context.topic,
      index: first.index,
      ...(several ? { readings } : {}),
      ...(listed ? { problems: listed.problems, ...(listed.notNamed > 0 ? { problemsNotNamed: listed.notNamed } : {}) } : {}),
      ...(context.payload ? describePayload(context.payload, deps.maxPayloadBytes) : {}),
    });
    if (budget.takeBytes(owner, Buffer.byteLength(line) + 1)) {
      deps.deadLetter.appendLine(line);
      deps.metrics.deadLetters.inc();
    } else deps.metrics.refusalsSuppressed.inc({ kind: 'dead_letter' });
    deps.onRecord?.(first, listed ? { ...context, problems } : context);
  }

  return {
    record(rejection, context) {
      recordMessage([rejection], context);
    },
    recordMessage,
    byDevice() {
      return Object.fromEntries([...counts].map(([device, reasons]) => [device, Object.fromEntries(reasons)]));
    },
    summarize() {
      const held = budget.takeHeldBack();
      if (held.length === 0) return;
      const total = held.reduce((sum, entry) => ({ records: sum.records + entry.records, bytes: sum.bytes + entry.bytes, lines: sum.lines + entry.lines }), { records: 0, bytes: 0, lines: 0 });
      deps.log.warn({ devices: held.length, ...total, top: held.slice(0, 10) }, `refusals past their device's budget were counted but not written: ${total.records} dead-letter records and ${total.lines} warn lines held back`);
    },
  };
}
