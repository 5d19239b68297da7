import { resolve } from 'node:path';
import type { AlarmChange, AlarmService } from '../alarms/alarm-types.ts';
import { createClusterEvents } from './cluster-events.ts';
import type { ClusterNode } from './cluster-node.ts';
import { dayMs } from '../events/closed-horizon.ts';
import { loadDepartments } from '../events/departments.ts';
import type { EventService } from '../events/event-engine.ts';
import { createEvents, type EventsDeps } from '../events/index.ts';

export interface StartedEvents {
  readonly events: EventService;
  /** Stops taking alarm changes (first, at shutdown). */
  stop(): void;
  close(): Promise<void>;
}

/**
 * Events as the platform runs them (issue 23): on one node, an engine fed by the alarm service's
 * changes; in a cluster, a replica on every node and the engine on the leader, fed by the changes
 * of the leader's own alarm engine (services/cluster/cluster-events.ts). Undefined when off.
 */
export async function startEvents(deps: EventsDeps & {
  readonly alarms: AlarmService;
  readonly node?: ClusterNode;
  readonly onOwnAlarmChange?: (listener: (change: AlarmChange) => void) => () => void;
}): Promise<StartedEvents | undefined> {
  if (!deps.config.events.enabled) return undefined;
  const { node, onOwnAlarmChange } = deps;
  if (node && onOwnAlarmChange) {
    const clusterEvents = createClusterEvents({
      redis: node.redis, subscriber: node.subscriber, prefix: node.prefix, nodeId: node.nodeId, log: deps.log,
      seal: node.seal, onUnsealed: () => node.unsealed('events'),
      departments: await loadDepartments(resolve(deps.config.events.departmentsFile)),
      onOwnAlarmChange,
      // The leader's engine's horizon and clock (services/events/index.ts), on every node's replica.
      keepClosedMs: deps.config.events.keepClosedDays * dayMs, sweepIntervalMs: deps.config.events.sweepIntervalMs, now: deps.now,
      createEngine: () => createEvents(deps),
      // A new leader's engine, as a single node's: the alarms closed while no engine took changes.
      onEngineTakingChanges: (engine) => closeWhatClosedMeanwhile(engine, deps.alarms),
    });
    await clusterEvents.start();
    node.leaderServices.add(clusterEvents.leaderService);
    return { events: clusterEvents, stop: () => undefined, close: () => clusterEvents.close() };
  }
  const events = await createEvents(deps);
  await events.start();
  const stop = deps.alarms.onChange((change) => events.onAlarmChange(change));
  closeWhatClosedMeanwhile(events, deps.alarms);
  return { events, stop, close: () => events.close() };
}

/**
 * Red team 11: the alarm engine starts (and its first sweep closes the alarms whose hold ran out, or
 * whose device left the registry, while the platform was down) before the events take its changes;
 * in a cluster, a new leader's engine starts after alarms closed under the one before.
 * Each event's alarm the alarm engine holds closed is closed on the event now, as the change would
 * have done: before, the event kept it open for good, never closed by itself after its resolution
 * and took in every later alarm of its family and street as ongoing.
 */
export function closeWhatClosedMeanwhile(events: Pick<EventService, 'list'> & { onAlarmChange(change: AlarmChange): void }, alarms: Pick<AlarmService, 'get'>): void {
  for (const event of events.list()) {
    for (const known of event.alarms) {
      if (known.closedAtMs !== null) continue;
      const alarm = alarms.get(known.id);
      if (alarm?.state === 'closed') events.onAlarmChange({ kind: 'closed', alarm });
    }
  }
}
