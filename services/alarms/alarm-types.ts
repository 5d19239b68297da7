import type { FamilyId } from '../families/index.ts';
import type { Reading } from '../ingest/reading.ts';

/**
 * The contract between the alarm engine and everything that shows alarms (live API, SSE
 * stream, screen). The engine implements AlarmService; the screen and the API only read it.
 */

export type AlarmState = 'open' | 'acknowledged' | 'closed';
export type AlarmSeverity = 'info' | 'warning' | 'critical';

export interface Alarm {
  /** Stable id: one alarm per (rule, device) while it is open or acknowledged. */
  readonly id: string;
  readonly ruleId: string;
  readonly family: FamilyId;
  readonly deviceId: string;
  readonly severity: AlarmSeverity;
  readonly state: AlarmState;
  /** Rule text in Chinese and English, with the triggering value filled in. */
  readonly textZh: string;
  readonly textEn: string;
  /** The value that raised (or last held) the alarm, and the limit it was held against. */
  readonly value: number | null;
  readonly limit: number | null;
  readonly openedAtMs: number;
  readonly updatedAtMs: number;
  readonly acknowledgedAtMs: number | null;
  readonly acknowledgedBy: string | null;
  readonly closedAtMs: number | null;
  /** Operator notes, in order. */
  readonly notes: readonly { readonly atMs: number; readonly by: string; readonly text: string }[];
}

export type AlarmChangeKind = 'opened' | 'updated' | 'acknowledged' | 'closed';

export interface AlarmChange {
  readonly kind: AlarmChangeKind;
  readonly alarm: Alarm;
}

export interface AlarmQuery {
  readonly state?: AlarmState;
  readonly fromMs?: number;
  readonly toMs?: number;
}

export interface AlarmService {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Every accepted reading passes here (never holds up an acknowledgement). */
  observe(reading: Reading): void;
  list(query?: AlarmQuery): Alarm[];
  get(id: string): Alarm | undefined;
  /**
   * Throws (or rejects with) a WanxiangError (WX_ERR_ALARM_NOT_FOUND / WX_ERR_ALARM_STATE) on a
   * bad id or transition. A cluster follower asks the leader, so its answer is a promise.
   */
  acknowledge(id: string, by: string, note: string): Alarm | Promise<Alarm>;
  closeAlarm(id: string, by: string, note: string): Alarm | Promise<Alarm>;
  /**
   * Resolves once every change made so far is on disk (the store's journal), so that what an
   * operator is told was done survives a crash; rejects with WX_ERR_HISTORY_NOT_DURABLE.
   */
  persisted(): Promise<void>;
  /** Returns an unsubscribe function. */
  onChange(listener: (change: AlarmChange) => void): () => void;
}
