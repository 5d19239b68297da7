import type { FamilyId } from '../../families/index.ts';
import type { Reading } from '../../ingest/reading.ts';
import type { DeviceRecord } from '../../registry/registry-schema.ts';
import type { AlarmCondition } from '../rule-schema.ts';

/** What a condition says about a device now: active or clear, with the value and limit when known. */
export interface Verdict {
  readonly active: boolean;
  readonly value: number | null;
  readonly limit: number | null;
}

/** What conditions may need from the platform, injected so that they stay pure and testable. */
export interface ConditionContext {
  /** The configured heavy-load and overload thresholds (the same ones the grid rollup uses). */
  readonly gridThresholds: { readonly heavyPct: number; readonly overloadPct: number };
  /** The interval a device reports at (its family's, unless configured otherwise). */
  readonly reportIntervalMs: (device: DeviceRecord) => number;
  /** The ingest's stuck-sensor detector. */
  readonly stuck?: { repeats(deviceId: string): number; readonly stuckAfter: number };
}

/** One rule's condition for all devices: constant work per reading, state per device. */
export interface Evaluator {
  /** The verdict after a reading, or null when the reading says nothing about the condition. */
  observe(reading: Reading, device: DeviceRecord): Verdict | null;
  /** Conditions that hold without readings (silence): verdicts found at a sweep. */
  sweep?(nowMs: number, devices: readonly DeviceRecord[]): Array<{ readonly device: DeviceRecord; readonly verdict: Verdict }>;
  /**
   * The value as text in the alarm's language (a coded state's name: 故障 in Chinese, Fault in
   * English). It depends on the rule alone, never on readings seen: a restored alarm's text is
   * rebuilt before any reading (audit of issue 21: "充电桩状态：2" after a restart).
   */
  format?(value: number, language: 'zh' | 'en'): string;
  /** The band the value is in, for the text's {category} (an AQI's HJ 633 category, as the wall's chip names it). */
  category?(value: number, language: 'zh' | 'en'): string;
}

export type ConditionKind = AlarmCondition['kind'];
export type ConditionOf<K extends ConditionKind> = Extract<AlarmCondition, { kind: K }>;
/** `family`: the rule's family (`any` for rules over every device). */
export type EvaluatorFactory<K extends ConditionKind> = (condition: ConditionOf<K>, context: ConditionContext, family: FamilyId | 'any') => Evaluator;

export const clear: Verdict = { active: false, value: null, limit: null };
