import type { AlarmService } from '../alarms/alarm-types.ts';
import type { ClusterNode } from '../cluster/cluster-node.ts';
import type { EventService } from '../events/index.ts';
import { isFamilyId, type FamilyId } from '../families/index.ts';
import type { BackfillWindow } from '../ingest/backfill-window.ts';
import { createIngest, type Ingest } from '../ingest/create-ingest.ts';
import { isHistory } from '../ingest/history.ts';
import type { RefusalFeedback } from '../ingest/refusal-feedback.ts';
import type { Live } from '../live/create-live.ts';
import type { Topics } from '../topics.ts';
import { createAlarmsPart, type AlarmAnnouncer, type AlarmsPart, type ReadingObserver } from './alarms.ts';
import type { Part, PartBasics } from './part.ts';

export interface IngestStarted {
  readonly ingest: Ingest;
  readonly alarms: AlarmService;
  readonly events: EventService | undefined;
  readonly announceAlarms: AlarmAnnouncer;
  /** Online here or, in a cluster, on another node. */
  readonly isOnline: (deviceId: string) => boolean;
}

export interface IngestPart extends Part<IngestStarted> {
  /** Undefined before start. */
  readonly ingest: Ingest | undefined;
  readonly alarms: AlarmService | undefined;
  readonly events: EventService | undefined;
}

/**
 * The readings' pipeline (parse → Reading → spool → writer, services/ingest/) with what sees every
 * accepted Reading: the rollup marks, the live view, and the alarms and events
 * (components/alarms.ts). Ingest hands the alarms every reading, so they start before it and
 * close after it.
 */
export function createIngestPart(deps: PartBasics & {
  readonly topics: Topics;
  readonly node: ClusterNode | undefined;
  readonly now: (() => number) | undefined;
  readonly backfillWindow: BackfillWindow;
  readonly markDirty: (family: FamilyId, timeMs: number) => void;
  /** The live view, once built (the serving part builds it after the doors open). */
  readonly live: () => Live | undefined;
  /** Where refusal notices go to the device, once a door can publish them (issue 19, item 5). */
  readonly refusals: () => RefusalFeedback | undefined;
}): IngestPart {
  const { config, log, metrics, topics, registry, influx } = deps;
  let ingest: Ingest | undefined;
  let alarmsPart: AlarmsPart | undefined;
  return {
    get ingest() { return ingest; },
    get alarms() { return alarmsPart?.alarms; },
    get events() { return alarmsPart?.events; },
    async start() {
      // Rollups and alarms both see every accepted reading; the alarm engine's observe() is synchronous and cheap.
      // Live only records the reading there; its summaries go out on its own timer, after the PUBACK.
      const observers: ReadingObserver[] = [(reading) => deps.markDirty(reading.family, reading.timeMs), (reading) => deps.live()?.observe(reading)];
      const activeIngest = createIngest({
        config, registry, topics, influx, metrics, log,
        onReading: (reading, message) => {
          const historical = isHistory(reading, message);
          for (const observe of observers) observe(reading, historical);
        },
        // A day is rolled up again once its readings are in InfluxDB, where the rollups read them.
        onReadingsWritten: (family, timeMs) => {
          if (isFamilyId(family)) deps.markDirty(family, timeMs);
        },
        maxAgeMs: deps.backfillWindow.maxAgeMs,
        onRejection: (rejection, context) => deps.refusals()?.report(rejection, context),
      });
      ingest = activeIngest;
      const judges = createAlarmsPart({ config, log, metrics, registry, influx, node: deps.node, now: deps.now, ingest: activeIngest, observe: (observer) => observers.push(observer), live: deps.live });
      alarmsPart = judges;
      const { alarms, announce } = await judges.start();
      await activeIngest.start();
      return {
        ingest: activeIngest, alarms, events: judges.events, announceAlarms: announce,
        isOnline: (id) => activeIngest.presence.isOnline(id) || judges.isOnlineElsewhere(id),
      };
    },
    detach() {
      alarmsPart?.detach?.();
    },
    async close() {
      // Ingest first: the doors are shut, so what is in the spool is all there is; it drains to
      // InfluxDB while the alarms, rollups, cluster node and influxd are still up.
      await ingest?.close();
      await alarmsPart?.close?.();
    },
  };
}
