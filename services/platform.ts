import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createDistrictFleet } from '../simulators/district-fleet.ts';
import { parseStationUrl } from '../simulators/hj212-client.ts';
import type { Fleet } from '../simulators/fleet.ts';
import { createReplayRunner, type ReplayRunner } from '../simulators/replay-runner.ts';
import { saveRegistryFile } from './registry/registry-file.ts';
import type { RegistryFile } from './registry/registry-schema.ts';
import { buildApi } from './api/build-api.ts';
import { createBroker, type Broker } from './broker/create-broker.ts';
import { assertSafeExposure, type Config } from './config.ts';
import { WanxiangError, isWanxiangError } from './errors.ts';
import { removeRuntime, writeRuntime } from './runtime-file.ts';
import { createRefusalFeedback, type RefusalFeedback } from './ingest/refusal-feedback.ts';
import { createIngest, type Ingest } from './ingest/create-ingest.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile, type DeviceRegistry } from './registry/device-registry.ts';
import { watchRegistryFile } from './registry/registry-file.ts';
import type { FSWatcher } from 'node:fs';
import { createInfluxClient, type InfluxClient } from './storage/influx-client.ts';
import { startLocalInfluxd, type LocalInfluxd } from './storage/influxd-launcher.ts';
import { createRollupEngine, type RollupEngine } from './rollups/rollup-engine.ts';
import { createMarkStore } from './review/mark-store.ts';
import { createReviewService, type ReviewService } from './review/review-service.ts';
import { createTopics } from './topics.ts';
import type { Reading } from './ingest/reading.ts';
import { loadTargets } from './compliance/targets.ts';
import { createLive, type Live } from './live/create-live.ts';
import { createAlarms } from './alarms/index.ts';
import type { AlarmService } from './alarms/alarm-types.ts';
import { hostname } from 'node:os';
import { createMqttSubscriber, type Subscriber } from './cluster/mqtt-subscriber.ts';
import { ingestBrokerSecret } from './registry/mosquitto-export.ts';
import { createClusterAlarms } from './cluster/cluster-alarms.ts';
import { createClusterFeed, type ClusterFeed } from './cluster/cluster-feed.ts';
import { createClusterNode, type ClusterNode } from './cluster/cluster-node.ts';
import { createHj212Receiver, type Hj212Receiver } from './hj212/receiver.ts';
import { redactUserinfo } from './redact-url.ts';
import { lockDataFolder, type FolderLock } from './data-folder/folder-lock.ts';
import { createDiskMonitor, type DiskMonitor } from './data-folder/disk-monitor.ts';
import { createBackfillWindow } from './ingest/backfill-window.ts';
import { isHistory } from './ingest/history.ts';
import type { EventService } from './events/index.ts';
import { startEvents, type StartedEvents } from './cluster/start-events.ts';
import { createPeople, type People } from './people/people.ts';

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

const host = (bound: string) => (bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound);

/** The composition root: wires InfluxDB, registry, ingest, broker, API and the demo fleet. */
export function createPlatform(config: Config, log: Logger, options: PlatformOptions = {}): Platform {
  const metrics = createMetrics({ collectProcessMetrics: true });
  const topics = createTopics(config.mqtt.topicPrefix);
  let localInfluxd: LocalInfluxd | undefined;
  let influx: InfluxClient | undefined;
  let registry: DeviceRegistry | undefined;
  let ingest: Ingest | undefined;
  let rollups: RollupEngine | undefined;
  let review: ReviewService | undefined;
  let alarms: AlarmService | undefined;
  let broker: Broker | undefined;
  let api: ReturnType<typeof buildApi> | undefined;
  let fleet: Fleet | undefined;
  let registryWatcher: FSWatcher | undefined;
  let replays: ReplayRunner | undefined;
  let live: Live | undefined;
  let feedback: RefusalFeedback | undefined;
  let subscriber: Subscriber | undefined;
  let clusterNode: ClusterNode | undefined;
  let stopAnnouncing: (() => void) | undefined;
  let feed: ClusterFeed | undefined;
  let hj212: Hj212Receiver | undefined;
  // Issue 19, item 1: the data folder is this run's alone, whatever database it writes to.
  let folderLock: FolderLock | undefined;
  let diskMonitor: DiskMonitor | undefined;
  // Issue 19, item 3: an admin may open a window for old readings; issue 21: history raises no alarms.
  const backfillWindow = createBackfillWindow(config.ingest.maxAgeMs);
  let historical = false;
  let events: StartedEvents | undefined;
  let people: People | undefined;
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`platform not started: no ${name}`);
    return value;
  };

  const platform: Platform = {
    metrics,
    get ingest() { return started(ingest, 'ingest'); },
    get registry() { return started(registry, 'registry'); },
    get influx() { return started(influx, 'influx'); },
    get rollups() { return started(rollups, 'rollups'); },
    get live() { return started(live, 'live'); },
    get alarms() { return started(alarms, 'alarms'); },
    get cluster() { return clusterNode; },
    get hj212() { return hj212; },
    get events() { return events?.events; },

    async start() {
      folderLock = await lockDataFolder(config.dataDir, options.command ?? (config.cluster.brokerUrl ? 'ingest' : 'start'));
      diskMonitor = createDiskMonitor({ dir: config.dataDir, lowFreePct: config.disk.lowFreePct, intervalMs: config.disk.checkIntervalMs, registry: metrics.registry, log });
      await diskMonitor.start();
      registry = createDeviceRegistry(await loadRegistryFile(resolve(config.registryFile)));
      let applyRegistry = (file: RegistryFile) => registry?.replace(file);
      let influxUrl = config.influx.urls?.[0] ?? config.influx.url;
      if (!influxUrl) {
        localInfluxd = await startLocalInfluxd({ dataDir: join(config.dataDir, 'influxdb'), onLog: (line) => log.debug({ influxd: line }), port: config.influx.localPort, rpcPort: config.influx.localRpcPort });
        influxUrl = localInfluxd.url;
      }
      influx = createInfluxClient({ ...config.influx, url: influxUrl });
      const influxVersion = await influx.ping();
      await influx.ensureDatabase(config.influx.retention);
      log.info({ influxUrl: redactUserinfo(influxUrl), influxVersion, database: config.influx.database }, 'InfluxDB ready');

      const thresholds = { heavyPct: config.rollups.heavyLoadPct, overloadPct: config.rollups.overloadPct, minPoints: config.rollups.sustainedPoints };
      const engine = createRollupEngine({ influx, registry, metrics, log, intervalMs: config.rollups.intervalMs, concurrency: config.rollups.concurrency, gridThresholds: thresholds });
      rollups = engine;
      // In a cluster, readings mark windows in Redis and only the leader rolls up (services/cluster/).
      const { cluster } = config;
      const node = cluster.redisUrl ? createClusterNode({
        redisUrl: cluster.redisUrl, prefix: cluster.redisPrefix, nodeId: cluster.nodeId ?? hostname(), leaseMs: cluster.leaderLeaseMs, log,
        onRemoteRegistry: async (file) => {
          await saveRegistryFile(resolve(config.registryFile), file);
          applyRegistry(file);
        },
      }) : undefined;
      clusterNode = node;
      // Before the broker: the cluster's registry is taken first, and an unreachable Redis fails the start here.
      await node?.start(registry.file);
      const markDirty = node ? node.rollupMarks.mark : engine.markDirty;
      // Review marks (issue 22): any node takes them; the days they reach are rolled up again like a late reading's.
      review = createReviewService({ store: createMarkStore(influx), registry, markDirty });
      // Rollups and alarms both see every accepted reading; the alarm engine's observe() is synchronous and cheap.
      // Live only records the reading there; its summaries go out on its own timer, after the PUBACK.
      const observers: Array<(reading: Reading) => void> = [(reading) => markDirty(reading.family, reading.timeMs), (reading) => live?.observe(reading)];
      ingest = createIngest({
        config, registry, topics, influx, metrics, log,
        onReading: (reading, message) => {
          historical = isHistory(reading, message);
          for (const observe of observers) observe(reading);
        },
        maxAgeMs: backfillWindow.maxAgeMs,
        onRejection: (rejection, context) => feedback?.report(rejection, context),
      });
      // In a cluster one alarm engine runs, on the leader; every node keeps a replica of its alarms.
      const alarmsDeps = { config, registry, influx, metrics, log };
      const clusterAlarms = node ? createClusterAlarms({
        redis: node.redis, subscriber: node.subscriber, prefix: node.prefix, nodeId: node.nodeId, log, stuck: ingest.stuck,
        createEngine: ({ stuck, seed }) => createAlarms({ ...alarmsDeps, stuck, seed }),
      }) : undefined;
      // ...and every node sends its readings and online devices to the others: the leader's engine
      // judges them, and every node's screen and live API show the whole district.
      const { presence, stuck } = ingest;
      feed = node ? createClusterFeed({
        redis: node.redis, subscriber: node.subscriber, channel: `${node.prefix}:feed`, nodeId: node.nodeId, log,
        onlineHere: () => presence.online(),
        onReadings: (readings) => {
          for (const { reading, repeats } of readings) {
            clusterAlarms?.judge(reading, repeats);
            live?.observe(reading);
          }
        },
      }) : undefined;
      const activeAlarms: AlarmService = clusterAlarms ?? (await createAlarms({ ...alarmsDeps, stuck: ingest.stuck }));
      alarms = activeAlarms;
      await activeAlarms.start();
      if (node && clusterAlarms) node.leaderServices.add(clusterAlarms.leaderService);
      // What goes out once per cluster (MQTT) is what this node's own engine changed.
      const announceAlarms = clusterAlarms ? clusterAlarms.onOwnChange : activeAlarms.onChange;
      if (clusterAlarms && feed) {
        // The device's run is looked up once: the leader's engine and the other nodes both take it.
        const activeFeed = feed;
        observers.push((reading) => {
          if (historical) return; // history raises no live alarm (issue 21)
          const repeats = stuck.repeats(reading.deviceId);
          clusterAlarms.judge(reading, repeats);
          activeFeed.send(reading, repeats);
        });
        await activeFeed.start();
      } else observers.push((reading) => {
        if (!historical) activeAlarms.observe(reading); // history raises no live alarm (issue 21)
      });
      // Events (issue 23): alarms open and join them; in a cluster the leader owns them, as it owns alarms.
      events = await startEvents({ config, registry, influx, metrics, log, now: options.now, alarms: activeAlarms, node, onOwnAlarmChange: clusterAlarms?.onOwnChange });
      await ingest.start();
      if (config.rollups.enabled && !node) engine.start();
      if (config.rollups.enabled && node) node.leaderServices.add(node.rollupMarks.leaderService(engine));
      // With an external broker, ingest subscribes to it and the broker does device login and ACLs.
      if (cluster.brokerUrl) {
        // The group deals messages round robin, not by device: without Redis each worker's alarms see a share of every device.
        if (!node) log.warn({ brokerUrl: redactUserinfo(cluster.brokerUrl) }, 'ingest worker without WX_REDIS_URL: with more than one worker, give each WX_REDIS_URL so that one alarm engine sees every reading');
        subscriber = createMqttSubscriber({
          brokerUrl: cluster.brokerUrl, username: cluster.brokerUsername, password: ingestBrokerSecret(config.fleetKey, cluster.brokerUsername, cluster.brokerPassword),
          group: cluster.sharedGroup, sessions: cluster.sessions, nodeId: cluster.nodeId ?? hostname(), topics, ingest, log,
        });
        await subscriber.start();
        // Refusal notices go to the device through the external broker too (issue 19, item 5).
        const activeSubscriber = subscriber;
        feedback = createRefusalFeedback({ topics, registry, log, publish: (topic, payload) => activeSubscriber.publish(topic, payload, { qos: 1 }) });
      } else broker = createBroker({ config, registry, topics, ingest, metrics, log, ...(node ? { aedesOptions: node.broker.aedesOptions } : {}) });
      const { mqttPort, wsPort, tlsPort, wssPort } = broker ? await broker.start() : { mqttPort: 0, wsPort: null, tlsPort: null, wssPort: null };
      const activeBroker = broker;
      // HJ 212 stations over TCP, into the same ingest as MQTT (issue 20); off with port -1.
      hj212 = createHj212Receiver({
        config: config.hj212, logins: config.mqtt, limits: config.ingest, registry, ingest, metrics, log, onStationValues: markDirty,
        // Stored frames relayed raw to observers, so that `record` keeps them (issue 20, item 5).
        onStored: activeBroker ? (station, raw) => void activeBroker.publish(topics.stationFrames(station.id), raw, { qos: 0 }).catch(() => undefined) : undefined,
      });
      const hj212Port = await hj212.start();
      // Alarm changes and refusal notices go out through the embedded broker; a subscriber worker has none to publish on.
      if (activeBroker) {
        stopAnnouncing = announceAlarms((change) => {
          activeBroker.publish(topics.alarms(), JSON.stringify(change), { qos: 1 }).catch((error: unknown) => log.warn({ err: error, alarm: change.alarm.id }, 'alarm change not published'));
        });
        feedback = createRefusalFeedback({ topics, registry, log, publish: (topic, payload) => activeBroker.publish(topic, payload, { qos: 1 }) });
      }
      const activeRegistry = registry;
      applyRegistry = (file: RegistryFile) => {
        activeRegistry.replace(file);
        const disconnected = activeBroker?.enforceRegistry() ?? 0;
        log.info({ devices: file.devices.length, disconnected }, 'registry applied');
      };
      const applyLocal = (file: RegistryFile) => {
        applyRegistry(file);
        node?.registry.publish(file).catch((error: unknown) => log.error({ err: error }, 'registry change not announced to the cluster'));
      };
      // Device administration from the CLI rewrites the registry file: take it at once.
      registryWatcher = watchRegistryFile(resolve(config.registryFile), () => {
        loadRegistryFile(resolve(config.registryFile)).then(applyLocal, (error: unknown) => log.error({ err: error }, 'registry change refused: the file is invalid; the previous registry stays'));
      });
      const endpoints = {
        mqttUrl: cluster.brokerUrl ?? `mqtt://${host(config.mqtt.host)}:${mqttPort}`,
        wsUrl: wsPort === null ? null : `ws://${host(config.mqtt.host)}:${wsPort}`,
        mqttsUrl: tlsPort === null ? null : `mqtts://${host(config.mqtt.host)}:${tlsPort}`,
        wssUrl: wssPort === null ? null : `wss://${host(config.mqtt.host)}:${wssPort}`,
        influxUrl,
        influxVersion,
        database: config.influx.database,
        hj212Url: hj212Port === null ? null : `tcp://${host(config.hj212.host)}:${hj212Port}`,
      };
      const targets = await loadTargets(resolve(config.targetsFile));
      const activeIngest = ingest;
      const isOnline = (id: string) => activeIngest.presence.isOnline(id) || (feed?.isOnlineElsewhere(id) ?? false);
      live = createLive({
        registry, influx, targets, metrics, log, thresholds: { heavyPct: config.rollups.heavyLoadPct, overloadPct: config.rollups.overloadPct },
        isOnline,
        alarms: () => alarms,
      });
      await live.start();
      replays = createReplayRunner({ url: endpoints.mqttUrl, fleetKey: config.fleetKey, topics, registry, log, ...(endpoints.hj212Url ? { hj212Url: parseStationUrl(endpoints.hj212Url) } : {}) });
      const activeReplays = replays;
      // Who each credential is (issue 23, item 1): named tokens and the users file `wanxiang users` keeps.
      people = createPeople({ tokens: config.http.tokens, usersFile: resolve(config.http.usersFile ?? join(config.dataDir, 'users.json')), log });
      await people.start();
      api = buildApi({
        metrics, registry, ingest, influx, targets, live, alarms, review,
        auth: { ...config.http, people },
        events: events?.events,
        now: options.now,
        fleetKey: config.fleetKey,
        isOnline,
        station: (id) => hj212?.station(id),
        disk: () => diskMonitor?.status,
        backfillWindow,
        applyRegistry: async (file) => {
          await saveRegistryFile(resolve(config.registryFile), file);
          applyLocal(file);
        },
        startReplay: ({ recording, speed, timestamps }) => activeReplays.start({ path: resolve('seeds/recordings', `${recording}.ndjson.gz`), speed, timestamps }),
        describe: () => ({ ...endpoints, started: true, ...(node ? { cluster: { nodeId: node.nodeId, leader: node.election.isLeader, leaderServices: node.leaderServices.running() } } : {}) }),
        // Issue 18 item 2: EMQX's HTTP auth endpoint only with an external broker and the secret EMQX sends.
        mqttAuth: cluster.brokerUrl && cluster.brokerAuthSecret ? {
          topics, ingestUser: cluster.brokerUsername, ingestSecret: ingestBrokerSecret(config.fleetKey, cluster.brokerUsername, cluster.brokerPassword),
          brokerSecret: cluster.brokerAuthSecret, loginFailuresPerDevice: config.mqtt.loginFailuresPerDevice,
        } : undefined,
        log,
        sessionRevocationsFile: join(config.dataDir, 'session-revocations.json'),
      });
      const address = await api.listen({ host: config.http.host, port: config.http.port });
      const httpUrl = address.replace('0.0.0.0', '127.0.0.1');
      await writeRuntime(config.dataDir, { pid: process.pid, startedAt: new Date().toISOString(), httpUrl, mqttUrl: endpoints.mqttUrl, influxUrl, database: config.influx.database });
      wroteRuntime = true;

      if (config.simulate.enabled && config.simulate.replayFile) {
        await replays.start({ path: resolve(config.simulate.replayFile), speed: config.simulate.replaySpeed, timestamps: 'now' });
      } else if (config.simulate.enabled) {
        // Stations with an HJ 212 block speak it to the receiver when it is on (issue 20, item 5).
        fleet = createDistrictFleet({ url: endpoints.mqttUrl, hj212Url: endpoints.hj212Url, fleetKey: config.fleetKey, topics, devices: registry.devices, intervalMs: config.simulate.intervalMs, seed: config.simulate.seed, log });
        await fleet.start();
      }
      return { ...endpoints, httpUrl };
    },

    async close() {
      // The reverse of start: producers first, storage last, so nothing accepted is dropped.
      registryWatcher?.close();
      // Nothing more goes out through the broker about to close (a publish into a closing Redis-backed broker is lost noisily).
      stopAnnouncing?.();
      events?.stop();
      await fleet?.close();
      await replays?.close();
      await broker?.close();
      await hj212?.close();
      await subscriber?.close();
      // The event stream's connections are held open: end them first, or the API's close waits on them.
      await live?.close();
      await api?.close();
      await ingest?.close();
      await feed?.close();
      await events?.close();
      await people?.close();
      await alarms?.close();
      await rollups?.close();
      await clusterNode?.close();
      await localInfluxd?.stop();
      if (wroteRuntime) await removeRuntime(config.dataDir);
      diskMonitor?.close();
      await folderLock?.release();
    },
  };

  // A failed start stops what it had started (the local influxd above all: issue 13, item 9)
  // before the error goes on, so no process is left behind and the next start finds the folder free.
  let wroteRuntime = false;
  const startParts = platform.start.bind(platform);
  platform.start = async () => {
    assertSafeExposure(config);
    try {
      return await startParts();
    } catch (error) {
      await platform.close().catch((closeError: unknown) => log.error({ err: closeError }, 'cleanup after a failed start failed'));
      await localInfluxd?.stop();
      throw listenFailure(error);
    }
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
