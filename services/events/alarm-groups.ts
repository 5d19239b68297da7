import type { AlarmCondition, AlarmRule } from '../alarms/rule-schema.ts';

/**
 * What an alarm is about, for joining alarms into events (docs/events.md): the **device** itself
 * (it fell silent, its sensor is stuck: a matter for whoever keeps the device) or the
 * **condition** the device measures (pollution, water quality, load, noise, parking, rain,
 * depth, chargers: a matter for the department the routes name). Only alarms of one group join
 * one event: a station's silence never absorbs a PM2.5 episode at the other stations, nor the
 * episode a station's silence.
 */
export type AlarmGroup = 'device' | 'condition';

/** The kinds of condition that are about the device rather than what it measures. */
const deviceKinds: ReadonlySet<AlarmCondition['kind']> = new Set(['silent', 'stuck']);

export const conditionGroup = (kind: AlarmCondition['kind']): AlarmGroup => (deviceKinds.has(kind) ? 'device' : 'condition');

/** A rule's id → its group. */
export type RuleGroups = (ruleId: string) => AlarmGroup;

/**
 * The group of each rule of the alarm rules file, by rule id. A rule id the file no longer has
 * (an alarm of history, after the rules changed) counts as a condition.
 */
export function ruleGroups(rules: readonly Pick<AlarmRule, 'id' | 'condition'>[]): RuleGroups {
  const groups = new Map(rules.map((rule) => [rule.id, conditionGroup(rule.condition.kind)]));
  return (ruleId) => groups.get(ruleId) ?? 'condition';
}
