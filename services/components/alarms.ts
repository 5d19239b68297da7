import { createAlarms } from '../alarms/index.ts';
import type { AlarmChange, AlarmService } from '../alarms/alarm-types.ts';
import { createClusterAlarms } from '../cluster/cluster-alarms.ts';
import { createClusterFeed, type ClusterFeed } from '../cluster/cluster-feed.ts';
import type { ClusterNode } from '../cluster/cluster-node.ts';
import { startEvents, type StartedEvents } from '../cluster/start-events.ts';
import type { EventService } from '../events/index.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { Reading } from '../ingest/reading.ts';
import type { Live } from '../live/create-live.ts';
import type { Part, PartBasics } from './part.ts';

/** Told every accepted reading, and whether it is history (issue 21: history raises no live alarm). */
export type ReadingObserver = (reading: Reading, historical: boolean) => void;
/** Subscribes a listener to alarm changes; returns the unsubscribe. */
export type AlarmAnnouncer = (listener: (change: AlarmChange) => void) => () => void;

export interface Judges {
  readonly alarms: AlarmService;
  /** What goes out once per cluster (MQTT): what this node's own engine changed. */
  readonly announce: AlarmAnnouncer;
}

export interface AlarmsPart extends Part<Judges> {
  /** Undefined before start. */
  readonly alarms: AlarmService | undefined;
  /** Undefined when events are off (issue 23); in a cluster, this node's replica. */
  readonly events: EventService | undefined;
  /** Online on another node of the cluster (its feed); false on one node. */
  isOnlineElsewhere(deviceId: string): boolean;
}

/**
 * What judges each accepted reading: the alarm engine (in a cluster one engine, on the leader, and
 * a replica of its alarms on every node), the cluster feed that brings the other nodes' readings
 * and online devices, and events (issue 23), opened and joined by alarms. Started and stopped by
 * the ingest part (components/ingest.ts), since ingest hands it every reading.
 */
export function createAlarmsPart(deps: PartBasics & {
  readonly node: ClusterNode | undefined;
  readonly now: (() => number) | undefined;
  readonly ingest: Ingest;
  /** Adds an observer of every reading ingest accepts. */
  readonly observe: (observer: ReadingObserver) => void;
  /** The live view, once built (it is built after ingest starts). */
  readonly live: () => Live | undefined;
}): AlarmsPart {
  const { config, log, metrics, registry, influx, node, ingest } = deps;
  let alarms: AlarmService | undefined;
  let feed: ClusterFeed | undefined;
  let events: StartedEvents | undefined;
  return {
    get alarms() { return alarms; },
    get events() { return events?.events; },
    isOnlineElsewhere: (deviceId) => feed?.isOnlineElsewhere(deviceId) ?? false,
    async start() {
      // In a cluster one alarm engine runs, on the leader; every node keeps a replica of its alarms.
      const alarmsDeps = { config, registry, influx, metrics, log };
      const clusterAlarms = node ? createClusterAlarms({
        redis: node.redis, subscriber: node.subscriber, prefix: node.prefix, nodeId: node.nodeId, log, stuck: ingest.stuck,
        seal: node.seal, onUnsealed: () => node.unsealed('alarms'),
        createEngine: ({ stuck, seed }) => createAlarms({ ...alarmsDeps, stuck, seed }),
      }) : undefined;
      // ...and every node sends its readings and online devices to the others: the leader's engine
      // judges them, and every node's screen and live API show the whole district.
      const { presence, stuck } = ingest;
      feed = node ? createClusterFeed({
        redis: node.redis, subscriber: node.subscriber, channel: `${node.prefix}:feed`, nodeId: node.nodeId, log,
        seal: node.seal, onUnsealed: () => node.unsealed('feed'),
        onlineHere: () => presence.online(),
        onReadings: (readings) => {
          for (const { reading, repeats } of readings) {
            clusterAlarms?.judge(reading, repeats);
            deps.live()?.observe(reading);
          }
        },
      }) : undefined;
      const activeAlarms: AlarmService = clusterAlarms ?? (await createAlarms({ ...alarmsDeps, stuck: ingest.stuck }));
      alarms = activeAlarms;
      await activeAlarms.start();
      if (node && clusterAlarms) node.leaderServices.add(clusterAlarms.leaderService);
      const announce = clusterAlarms ? clusterAlarms.onOwnChange : activeAlarms.onChange;
      if (clusterAlarms && feed) {
        // The device's run is looked up once: the leader's engine and the other nodes both take it.
        const activeFeed = feed;
        deps.observe((reading, historical) => {
          if (historical) return; // history raises no live alarm (issue 21)
          const repeats = stuck.repeats(reading.deviceId);
          clusterAlarms.judge(reading, repeats);
          activeFeed.send(reading, repeats);
        });
        await activeFeed.start();
      } else deps.observe((reading, historical) => {
        if (!historical) activeAlarms.observe(reading); // history raises no live alarm (issue 21)
      });
      // Events (issue 23): alarms open and join them; in a cluster the leader owns them, as it owns alarms.
      events = await startEvents({ config, registry, influx, metrics, log, now: deps.now, alarms: activeAlarms, node, onOwnAlarmChange: clusterAlarms?.onOwnChange });
      return { alarms: activeAlarms, announce };
    },
    detach() {
      events?.stop();
    },
    async close() {
      // The feed first: no other node's reading reaches the alarms (and through them events) while they close.
      await feed?.close();
      // Events before alarms: they take the alarms' changes.
      await events?.close();
      await alarms?.close();
    },
  };
}
