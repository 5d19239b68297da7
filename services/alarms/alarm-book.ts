import { WanxiangError } from '../errors.ts';
import type { Alarm, AlarmQuery } from './alarm-types.ts';

const stateRank = { open: 0, acknowledged: 1, closed: 2 } as const;

/**
 * Whether `next` is a later version of an alarm than `held`: a later change, or a later state
 * in the same millisecond (an acknowledgement and a closing can share one). A copy of the same
 * version is not later, so a change heard twice is applied once.
 */
export function isLaterVersion(held: Alarm | undefined, next: Alarm): boolean {
  if (!held) return true;
  return next.updatedAtMs > held.updatedAtMs || (next.updatedAtMs === held.updatedAtMs && stateRank[next.state] > stateRank[held.state]);
}

/**
 * The alarms in memory: every alarm by id, and the one open (or acknowledged) alarm of each
 * (rule, device). Closed alarms are kept for a while so the feed and the API can show them.
 */
export function createAlarmBook(options: { keepClosedMs: number; maxClosed: number }) {
  const alarms = new Map<string, Alarm>();
  // Rule, then device: the engine asks this for every rule on every reading, so no key is built to ask.
  const openByRule = new Map<string, Map<string, string>>();
  const openOfRule = (ruleId: string) => {
    let open = openByRule.get(ruleId);
    if (!open) openByRule.set(ruleId, (open = new Map()));
    return open;
  };

  return {
    openFor: (ruleId: string, deviceId: string) => {
      const id = openByRule.get(ruleId)?.get(deviceId);
      return id === undefined ? undefined : alarms.get(id);
    },
    open: () => [...openByRule.values()].flatMap((open) => [...open.values()]).map((id) => alarms.get(id)!),
    /** An id unique among the alarms held: rule, device and the opening time. */
    newId(ruleId: string, deviceId: string, atMs: number): string {
      const base = `${ruleId}.${deviceId}.${atMs.toString(36)}`;
      let id = base;
      for (let n = 1; alarms.has(id); n += 1) id = `${base}-${n}`;
      return id;
    },
    put(alarm: Alarm): Alarm {
      alarms.set(alarm.id, alarm);
      const open = openOfRule(alarm.ruleId);
      if (alarm.state === 'closed') {
        if (open.get(alarm.deviceId) === alarm.id) open.delete(alarm.deviceId);
      } else open.set(alarm.deviceId, alarm.id);
      return alarm;
    },
    get: (id: string) => alarms.get(id),
    /** Throws WX_ERR_ALARM_NOT_FOUND for an unknown id. */
    require(id: string): Alarm {
      const alarm = alarms.get(id);
      if (!alarm) throw new WanxiangError('WX_ERR_ALARM_NOT_FOUND', `no alarm ${id.slice(0, 120)}`, { value: id });
      return alarm;
    },
    /** Alarms in a state that were active at some time in [from, to), newest first. */
    list(query: AlarmQuery = {}): Alarm[] {
      const from = query.fromMs ?? -Infinity;
      const to = query.toMs ?? Infinity;
      return [...alarms.values()]
        .filter((alarm) => (query.state === undefined || alarm.state === query.state) && alarm.openedAtMs < to && (alarm.closedAtMs ?? Infinity) >= from)
        .sort((a, b) => b.openedAtMs - a.openedAtMs || (a.id < b.id ? -1 : 1));
    },
    /** Forgets closed alarms older than the keeping time, and the oldest beyond the cap. */
    prune(nowMs: number): void {
      const closed = [...alarms.values()].filter((alarm) => alarm.state === 'closed').sort((a, b) => a.closedAtMs! - b.closedAtMs!);
      const excess = closed.length - options.maxClosed;
      closed.forEach((alarm, index) => {
        if (index < excess || alarm.closedAtMs! < nowMs - options.keepClosedMs) alarms.delete(alarm.id);
      });
    },
  };
}

export type AlarmBook = ReturnType<typeof createAlarmBook>;
