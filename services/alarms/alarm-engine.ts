import type { Logger } from 'pino';
import { WanxiangError, isWanxiangError } from '../errors.ts';
import type { FamilyId } from '../families/index.ts';
import type { Reading } from '../ingest/reading.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { HoldClock } from './hold-clock.ts';
import { createAlarmBook, isLaterVersion } from './alarm-book.ts';
import type { AlarmStore } from './alarm-store.ts';
import { alarmTexts } from './alarm-text.ts';
import type { Alarm, AlarmChange, AlarmChangeKind, AlarmService } from './alarm-types.ts';
import { createEvaluator, type ConditionContext, type Evaluator, type Verdict } from './conditions/index.ts';
import type { AlarmRule, AlarmRulesFile } from './rule-schema.ts';

export interface AlarmEngineDeps {
  readonly rules: AlarmRulesFile;
  readonly registry: DeviceRegistry;
  readonly context: ConditionContext;
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** Injected clock (epoch ms); lifecycle times and hold times run on it. */
  readonly now?: () => number;
  /** Alarm history (InfluxDB); without one nothing is kept across restarts (unit tests). */
  readonly store?: AlarmStore;
  /** How often silent devices and hold times are checked; 0: only when sweep() is called. */
  readonly sweepIntervalMs?: number;
  /** An `updated` change at most this often per alarm, and only for a worse value. */
  readonly updateIntervalMs?: number;
  /** Readings older than this (or than two report intervals, if longer) raise no alarm: a backfill is not news. */
  readonly staleAfterMs?: number;
  readonly keepClosedMs?: number;
  readonly maxClosed?: number;
  /**
   * Alarms known beyond the history, taken at start where newer than what the store restored:
   * a cluster's new leader takes the alarms the previous one held but had not yet written.
   */
  readonly seed?: () => Promise<readonly Alarm[]>;
  /** When open alarms' conditions cleared, kept across restarts (issue 21: hold times restarted). */
  readonly holds?: HoldClock;
}

/** The engine behind the AlarmService contract; sweep() is the timer's work, callable from tests. */
export interface AlarmEngine extends AlarmService {
  sweep(): void;
  acknowledge(id: string, by: string, note: string): Alarm;
  closeAlarm(id: string, by: string, note: string): Alarm;
  /**
   * Changes once kept (on disk or in InfluxDB: the store's whenKept), in the order made; at once
   * without a store. The webhooks' feed: told before, a crash ahead of the journal's flush told a
   * chat group of a change that was gone at the restart.
   */
  onKeptChange(listener: (change: AlarmChange) => void): () => void;
  readonly rules: readonly AlarmRule[];
}

interface Compiled {
  readonly rule: AlarmRule;
  readonly evaluator: Evaluator;
  /** The rule's run of verdicts per device (debounce, hold time). */
  readonly streaks: Map<string, Streak>;
}

interface Streak {
  count: number;
  clearSinceMs: number | null;
}

/** Alarm rules over every accepted reading: open → acknowledged → closed, one alarm per (rule, device). */
export function createAlarmEngine(deps: AlarmEngineDeps): AlarmEngine {
  const now = deps.now ?? Date.now;
  const updateIntervalMs = deps.updateIntervalMs ?? 5 * 60_000;
  const staleAfterMs = deps.staleAfterMs ?? 3_600_000;
  const compiled: Compiled[] = deps.rules.rules.map((rule) => ({ rule, evaluator: createEvaluator(rule.condition, deps.context, rule.family), streaks: new Map() }));
  const byFamily = new Map<FamilyId, Compiled[]>();
  const forFamily = (family: FamilyId) => {
    let list = byFamily.get(family);
    if (!list) byFamily.set(family, (list = compiled.filter(({ rule }) => rule.family === family || rule.family === 'any')));
    return list;
  };
  const book = createAlarmBook({ keepClosedMs: deps.keepClosedMs ?? 30 * 86_400_000, maxClosed: deps.maxClosed ?? 10_000 });
  const listeners = new Set<(change: AlarmChange) => void>();
  const keptListeners = new Set<(change: AlarmChange) => void>();
  const ruleById = new Map(compiled.map((entry) => [entry.rule.id, entry]));
  let timer: NodeJS.Timeout | undefined;

  function emit(kind: AlarmChangeKind, alarm: Alarm): Alarm {
    book.put(alarm);
    deps.metrics?.alarmChanges.inc({ rule: alarm.ruleId, kind });
    const change = { kind, alarm };
    const tellKept = () => tell(keptListeners, change);
    if (deps.store) deps.store.record(change, tellKept);
    else tellKept();
    tell(listeners, change);
    return alarm;
  }

  function tell(to: ReadonlySet<(change: AlarmChange) => void>, change: AlarmChange): void {
    for (const listener of to) {
      try {
        listener(change);
      } catch (error) {
        deps.log.error({ err: error, alarm: change.alarm.id }, 'alarm listener failed');
      }
    }
  }

  function texts(ruleId: string, deviceId: string, value: number | null, limit: number | null) {
    const entry = ruleById.get(ruleId);
    if (!entry) return { textZh: ruleId, textEn: ruleId };
    return alarmTexts(entry.rule, deps.registry.device(deviceId), deviceId, { value, limit, format: entry.evaluator.format, category: entry.evaluator.category });
  }

  function openAlarm(rule: AlarmRule, device: DeviceRecord, verdict: Verdict, at: number): void {
    const id = book.newId(rule.id, device.id, at);
    emit('opened', {
      id, ruleId: rule.id, family: device.family, deviceId: device.id, severity: rule.severity, state: 'open',
      ...texts(rule.id, device.id, verdict.value, verdict.limit), value: verdict.value, limit: verdict.limit,
      openedAtMs: at, updatedAtMs: at, acknowledgedAtMs: null, acknowledgedBy: null, closedAtMs: null, notes: [],
    });
  }

  /** A worse value, no more often than updateIntervalMs: a flapping or rising value is not a flood. */
  function maybeUpdate(alarm: Alarm, verdict: Verdict, at: number): void {
    if (verdict.value === null || at - alarm.updatedAtMs < updateIntervalMs) return;
    // Worse by a tenth of the limit or of the value held, whichever is larger: a silence that grows
    // minute by minute is announced less and less often.
    const worse = alarm.value === null || verdict.value - alarm.value >= 0.1 * Math.max(Math.abs(alarm.limit ?? 0), Math.abs(alarm.value), 1);
    if (!worse) return;
    emit('updated', { ...alarm, ...texts(alarm.ruleId, alarm.deviceId, verdict.value, verdict.limit), value: verdict.value, limit: verdict.limit, updatedAtMs: at });
  }

  function close(alarm: Alarm, at: number, note?: { by: string; text: string }): Alarm {
    ruleById.get(alarm.ruleId)?.streaks.delete(alarm.deviceId);
    deps.holds?.forget(alarm.id);
    const notes = note ? [...alarm.notes, { atMs: at, ...note }] : alarm.notes;
    return emit('closed', { ...alarm, state: 'closed', closedAtMs: at, updatedAtMs: at, notes });
  }

  function apply(entry: Compiled, device: DeviceRecord, verdict: Verdict, at: number): void {
    const { rule, streaks } = entry;
    let streak = streaks.get(device.id);
    const alarm = book.openFor(rule.id, device.id);
    // The common case, a clear verdict with nothing open and no run: nothing to keep.
    if (!verdict.active && !alarm && (!streak || streak.count === 0)) return;
    if (!streak) streaks.set(device.id, (streak = { count: 0, clearSinceMs: null }));
    if (verdict.active) {
      streak.count += 1;
      if (alarm && streak.clearSinceMs !== null) deps.holds?.forget(alarm.id);
      streak.clearSinceMs = null;
      if (alarm) maybeUpdate(alarm, verdict, at);
      else if (streak.count >= rule.debounce) openAlarm(rule, device, verdict, at);
      return;
    }
    streak.count = 0;
    if (!alarm) return;
    if (streak.clearSinceMs === null) {
      streak.clearSinceMs = at;
      deps.holds?.cleared(alarm.id, at);
    }
    if (at - streak.clearSinceMs >= rule.holdMs) close(alarm, at);
  }

  /** A standard function refusing a value (out of its range) must not stop the other rules. */
  function evaluationFailed(entry: Compiled, error: unknown): void {
    const code = isWanxiangError(error) ? error.code : 'WX_ERR_INTERNAL';
    deps.metrics?.alarmEvaluationErrors.inc({ rule: entry.rule.id, code });
    deps.log.warn({ code, rule: entry.rule.id, err: error }, 'alarm rule could not evaluate');
  }

  function transition(id: string, to: 'acknowledged' | 'closed', by: string, text: string): Alarm {
    const alarm = book.require(id);
    const allowed = to === 'acknowledged' ? alarm.state === 'open' : alarm.state !== 'closed';
    if (!allowed) throw new WanxiangError('WX_ERR_ALARM_STATE', `alarm ${id} is ${alarm.state}; it cannot be ${to}`, { value: alarm.state });
    const at = Math.max(now(), alarm.updatedAtMs);
    if (to === 'closed') return close(alarm, at, { by, text });
    return emit('acknowledged', { ...alarm, state: 'acknowledged', acknowledgedAtMs: at, acknowledgedBy: by, updatedAtMs: at, notes: [...alarm.notes, { atMs: at, by, text }] });
  }

  const engine: AlarmEngine = {
    rules: compiled.map(({ rule }) => rule),
    observe(reading: Reading) {
      const device = deps.registry.device(reading.deviceId);
      if (!device) return;
      const at = now();
      // Alarms are about now: a backfilled or replayed old reading only tells that the device is alive.
      const stale = at - reading.timeMs > Math.max(staleAfterMs, 2 * deps.context.reportIntervalMs(device));
      for (const entry of forFamily(device.family)) {
        if (stale && !entry.evaluator.sweep) continue;
        try {
          const verdict = entry.evaluator.observe(reading, device);
          if (verdict) apply(entry, device, verdict, at);
        } catch (error) {
          evaluationFailed(entry, error);
        }
      }
    },
    sweep() {
      const at = now();
      for (const entry of compiled) {
        if (!entry.evaluator.sweep) continue;
        try {
          for (const { device, verdict } of entry.evaluator.sweep(at, deps.registry.devices)) apply(entry, device, verdict, at);
        } catch (error) {
          evaluationFailed(entry, error);
        }
      }
      // Hold times also run out for devices that went quiet after their condition cleared.
      for (const alarm of book.open()) {
        const entry = ruleById.get(alarm.ruleId);
        const streak = entry?.streaks.get(alarm.deviceId);
        const rule = entry?.rule;
        const device = deps.registry.device(alarm.deviceId);
        // A device taken out of the registry, or a disabled one's silence, is no longer a condition.
        if (!device || (device.disabled && rule?.condition.kind === 'silent')) close(alarm, at, { by: 'system', text: device ? 'device disabled' : 'device removed from the registry' });
        else if (rule && streak?.clearSinceMs != null && at - streak.clearSinceMs >= rule.holdMs) close(alarm, at);
      }
      book.prune(at);
    },
    list: (query) => book.list(query),
    get: (id) => book.get(id),
    acknowledge: (id, by, note) => transition(id, 'acknowledged', by, note),
    closeAlarm: (id, by, note) => transition(id, 'closed', by, note),
    persisted: () => deps.store?.persisted() ?? Promise.resolve(),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onKeptChange(listener) {
      keptListeners.add(listener);
      return () => keptListeners.delete(listener);
    },
    async start() {
      for (const stored of (await deps.store?.restore()) ?? []) book.put({ ...stored, ...texts(stored.ruleId, stored.deviceId, stored.value, stored.limit) });
      const seeded = [...((await deps.seed?.()) ?? [])].sort((a, b) => a.updatedAtMs - b.updatedAtMs);
      for (const alarm of seeded) if (isLaterVersion(book.get(alarm.id), alarm)) book.put(alarm);
      book.prune(now());
      // A hold time that was running before the restart runs on from when the condition cleared.
      await deps.holds?.start();
      for (const alarm of book.open()) {
        const clearedAt = deps.holds?.clearedAt(alarm.id);
        const entry = ruleById.get(alarm.ruleId);
        if (clearedAt !== undefined && entry) entry.streaks.set(alarm.deviceId, { count: 0, clearSinceMs: clearedAt });
      }
      engine.sweep();
      if (deps.sweepIntervalMs) {
        timer = setInterval(() => engine.sweep(), deps.sweepIntervalMs);
        timer.unref();
      }
    },
    async close() {
      clearInterval(timer);
      timer = undefined;
      await deps.holds?.close();
      await deps.store?.close();
    },
  };
  return engine;
}
