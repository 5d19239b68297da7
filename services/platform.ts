import type { Logger } from 'pino';
import type { AlarmService } from './alarms/alarm-types.ts';
import type { ClusterNode } from './cluster/cluster-node.ts';
import { createClusterPart, type ClusterPart } from './components/cluster.ts';
import { createDataFolderPart } from './components/data-folder.ts';
import { createDoorsPart, type DoorsPart } from './components/doors.ts';
import { createIngestPart, type IngestPart } from './components/ingest.ts';
import { createParts } from './components/part.ts';
import { createRegistryUpdates } from './components/registry-updates.ts';
import { createRollupsPart, type RollupsPart } from './components/rollups.ts';
import { createServingPart, type ServingPart } from './components/serving.ts';
import { createReplaysPart, createSimulatorsPart } from './components/simulators.ts';
import { createStoragePart, type StoragePart } from './components/storage.ts';
import { assertSafeExposure } from './config-exposure.ts';
import { type Config } from './config.ts';
import { WanxiangError, isWanxiangError } from './errors.ts';
import type { EventService } from './events/index.ts';
import type { Hj212Receiver } from './hj212/receiver.ts';
import { createBackfillWindow } from './ingest/backfill-window.ts';
import type { Ingest } from './ingest/create-ingest.ts';
import type { Live } from './live/create-live.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import type { DeviceRegistry } from './registry/device-registry.ts';
import type { RollupEngine } from './rollups/rollup-engine.ts';
import type { InfluxClient } from './storage/influx-client.ts';
import { createTopics } from './topics.ts';

export interface PlatformEndpoints {
  readonly mqttUrl: string;
  readonly wsUrl: string | null;
  readonly mqttsUrl: string | null;
  readonly wssUrl: string | null;
  readonly httpUrl: string;
  readonly influxUrl: string;
  readonly influxVersion: string;
  readonly database: string;
  /** The HJ 212 receiver's address (`tcp://host:port`), null when turned off (WX_HJ212_PORT=-1). */
  readonly hj212Url: string | null;
  /** The devices the simulated district sends as (0 when it is off or a recording is replayed). */
  readonly simulatedDevices?: number;
}

export interface Platform {
  start(): Promise<PlatformEndpoints>;
  close(): Promise<void>;
  readonly metrics: Metrics;
  /** Available once started. */
  readonly ingest: Ingest;
  readonly registry: DeviceRegistry;
  readonly influx: InfluxClient;
  readonly rollups: RollupEngine;
  /** Latest readings, district tiles and the event stream the screen shows. */
  readonly live: Live;
  /** Alarm rules over every accepted reading (the live API, the stream and the screen read them). */
  readonly alarms: AlarmService;
  /** This node's place in a Redis-shared cluster (leader, leader-only services); undefined without WX_REDIS_URL. */
  readonly cluster: ClusterNode | undefined;
  /** The HJ 212 receiver (issue 20); undefined before start. */
  readonly hj212: Hj212Receiver | undefined;
  /** Events from alarms, dispatched to departments (issue 23); undefined when off. In a cluster, this node's replica. */
  readonly events: EventService | undefined;
}

export interface PlatformOptions {
  /** The events' clock (due times, escalation, holds); tests move it instead of waiting minutes. */
  readonly now?: () => number;
  /** The command the data folder's lock names (issue 19, item 1). */
  readonly command?: string;
}

/**
 * The composition root (issue 24, item 4): the platform's parts (services/components/), started
 * in the order below, each with what the earlier ones made; stopped in the reverse order, in the
 * three passes of components/part.ts (detach, stop input, close), so that nothing accepted is dropped.
 */
export function createPlatform(config: Config, log: Logger, options: PlatformOptions = {}): Platform {
  const metrics = createMetrics({ collectProcessMetrics: true });
  const topics = createTopics(config.mqtt.topicPrefix);
  // Issue 19, item 3: an admin may open a window for old readings; issue 21: history raises no alarms.
  const backfillWindow = createBackfillWindow(config.ingest.maxAgeMs);
  const { now } = options;
  const parts = createParts();
  let storage: StoragePart | undefined;
  let cluster: ClusterPart | undefined;
  let rollups: RollupsPart | undefined;
  let ingest: IngestPart | undefined;
  let doors: DoorsPart | undefined;
  let serving: ServingPart | undefined;
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`platform not started: no ${name}`);
    return value;
  };

  // Each part takes what the earlier ones made; where else the order matters, the line says why.
  async function startParts(): Promise<PlatformEndpoints> {
    // Issue 19, item 1: the data folder is this run's alone before anything writes in it.
    const dataFolder = createDataFolderPart({ config, metrics, log, command: options.command ?? (config.cluster.brokerUrl ? 'ingest' : 'start') });
    await parts.begin(dataFolder);
    storage = createStoragePart({ config, log });
    const { registry, influx, influxUrl, influxVersion } = await parts.begin(storage);
    const registryUpdates = createRegistryUpdates({ config, log, metrics, registry, node: () => cluster?.node, broker: () => doors?.broker, hj212: () => doors?.hj212 });
    // Before the doors: the cluster's registry is taken first, and an unreachable Redis fails the start here.
    cluster = createClusterPart({ config, log, metrics, registry, onRemoteRegistry: registryUpdates.takeRemote });
    const node = await parts.begin(cluster);
    rollups = createRollupsPart({ config, log, metrics, registry, influx, node });
    const { markDirty, review } = await parts.begin(rollups);
    ingest = createIngestPart({ config, log, metrics, topics, registry, influx, node, now, backfillWindow, markDirty, live: () => serving?.live, refusals: () => doors?.refusals });
    const { ingest: activeIngest, alarms, events, announceAlarms, isOnline } = await parts.begin(ingest);
    rollups.run(); // once ingest writes
    // The doors open only once ingest (its spool) and the alarms run: nothing is acknowledged before.
    doors = createDoorsPart({ config, log, metrics, topics, registry, ingest: activeIngest, node, markDirty, announceAlarms });
    const addresses = await parts.begin(doors);
    // From here a registry change also disconnects the sessions it no longer allows.
    await parts.begin(registryUpdates);
    const endpoints = { mqttUrl: addresses.mqttUrl, wsUrl: addresses.wsUrl, mqttsUrl: addresses.mqttsUrl, wssUrl: addresses.wssUrl, influxUrl, influxVersion, database: config.influx.database, hj212Url: addresses.hj212Url };
    // Before the API, which starts replays: whatever it starts is stopped with the platform.
    const replays = createReplaysPart({ config, log, topics, registry, doors: addresses });
    await parts.begin(replays);
    serving = createServingPart({
      config, log, metrics, topics, registry, influx, ingest: activeIngest, alarms, events, review, node, now, backfillWindow, endpoints, isOnline,
      station: (id) => doors?.hj212?.station(id),
      disk: () => dataFolder.disk?.status,
      registryRefusal: () => registryUpdates.refusal,
      applyRegistry: registryUpdates.saveLocal,
      startReplay: replays.startRecording,
    });
    const { httpUrl } = await parts.begin(serving);
    // runtime.json says where the platform answers: written once the API listens (removed at the data folder's close).
    await dataFolder.recordRuntime({ pid: process.pid, startedAt: new Date().toISOString(), httpUrl, mqttUrl: endpoints.mqttUrl, influxUrl, database: config.influx.database });
    // The demo last: it sends into the doors like real devices.
    const simulatedDevices = await parts.begin(createSimulatorsPart({ config, log, topics, registry, doors: addresses, replays }));
    return { ...endpoints, httpUrl, simulatedDevices };
  }

  const platform: Platform = {
    metrics,
    get ingest() { return started(ingest?.ingest, 'ingest'); },
    get registry() { return started(storage?.registry, 'registry'); },
    get influx() { return started(storage?.influx, 'influx'); },
    get rollups() { return started(rollups?.engine, 'rollups'); },
    get live() { return started(serving?.live, 'live'); },
    get alarms() { return started(ingest?.alarms, 'alarms'); },
    get cluster() { return cluster?.node; },
    get hj212() { return doors?.hj212; },
    get events() { return ingest?.events; },
    async start() {
      assertSafeExposure(config);
      try {
        return await startParts();
      } catch (error) {
        // A failed start stops what it had started (the local influxd above all: issue 13, item 9)
        // before the error goes on, so no process is left behind and the next start finds the folder free.
        await platform.close().catch((closeError: unknown) => log.error({ err: closeError }, 'cleanup after a failed start failed'));
        await storage?.stopLocalInfluxd();
        throw listenFailure(error);
      }
    },
    close: () => parts.close(),
  };
  return platform;
}

/** EADDRINUSE and friends as a coded error naming the address (fastify and net say it in their own words). */
function listenFailure(error: unknown): unknown {
  if (isWanxiangError(error)) return error;
  const { code, address, port } = error as { code?: string; address?: string; port?: number };
  if (code === 'EADDRINUSE') return new WanxiangError('WX_ERR_PORT_IN_USE', `port ${port} on ${address} is in use: stop what holds it or choose another port`, { cause: error });
  if (code === 'EADDRNOTAVAIL') return new WanxiangError('WX_ERR_PORT_IN_USE', `address ${address} is not one of this host's`, { cause: error });
  if (code === 'EACCES' && port !== undefined) return new WanxiangError('WX_ERR_PORT_IN_USE', `port ${port} on ${address} needs privileges`, { cause: error });
  return error;
}
