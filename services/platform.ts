import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createFleet, type Fleet } from '../simulators/fleet.ts';
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
import { createTopics } from './topics.ts';
import type { Reading } from './ingest/reading.ts';
import { loadTargets } from './compliance/targets.ts';
import { createLive, type Live } from './live/create-live.ts';
import { createAlarms, type Alarms } from './alarms/index.ts';
import type { AlarmService } from './alarms/alarm-types.ts';

export interface PlatformEndpoints {
  readonly mqttUrl: string;
  readonly wsUrl: string | null;
  readonly mqttsUrl: string | null;
  readonly wssUrl: string | null;
  readonly httpUrl: string;
  readonly influxUrl: string;
  readonly influxVersion: string;
  readonly database: string;
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
}

const host = (bound: string) => (bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound);

/** The composition root: wires InfluxDB, registry, ingest, broker, API and the demo fleet. */
export function createPlatform(config: Config, log: Logger): Platform {
  const metrics = createMetrics({ collectProcessMetrics: true });
  const topics = createTopics(config.mqtt.topicPrefix);
  let localInfluxd: LocalInfluxd | undefined;
  let influx: InfluxClient | undefined;
  let registry: DeviceRegistry | undefined;
  let ingest: Ingest | undefined;
  let rollups: RollupEngine | undefined;
  let alarms: Alarms | undefined;
  let broker: Broker | undefined;
  let api: ReturnType<typeof buildApi> | undefined;
  let fleet: Fleet | undefined;
  let registryWatcher: FSWatcher | undefined;
  let replays: ReplayRunner | undefined;
  let live: Live | undefined;
  let feedback: RefusalFeedback | undefined;
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

    async start() {
      registry = createDeviceRegistry(await loadRegistryFile(resolve(config.registryFile)));
      let influxUrl = config.influx.url;
      if (!influxUrl) {
        localInfluxd = await startLocalInfluxd({ dataDir: join(config.dataDir, 'influxdb'), onLog: (line) => log.debug({ influxd: line }) });
        influxUrl = localInfluxd.url;
      }
      influx = createInfluxClient({ ...config.influx, url: influxUrl });
      const influxVersion = await influx.ping();
      await influx.ensureDatabase(config.influx.retention);
      log.info({ influxUrl, influxVersion, database: config.influx.database }, 'InfluxDB ready');

      const thresholds = { heavyPct: config.rollups.heavyLoadPct, overloadPct: config.rollups.overloadPct, minPoints: config.rollups.sustainedPoints };
      const engine = createRollupEngine({ influx, registry, metrics, log, intervalMs: config.rollups.intervalMs, concurrency: config.rollups.concurrency, gridThresholds: thresholds });
      rollups = engine;
      // Rollups and alarms both see every accepted reading; the alarm engine's observe() is synchronous and cheap.
      // Live only records the reading there; its summaries go out on its own timer, after the PUBACK.
      const observers: Array<(reading: Reading) => void> = [(reading) => engine.markDirty(reading.family, reading.timeMs), (reading) => live?.observe(reading)];
      ingest = createIngest({
        config, registry, topics, influx, metrics, log,
        onReading: (reading) => {
          for (const observe of observers) observe(reading);
        },
        onRejection: (rejection, context) => feedback?.report(rejection, context),
      });
      alarms = await createAlarms({ config, registry, influx, metrics, log, stuck: ingest.stuck });
      await alarms.start();
      observers.push(alarms.observe);
      await ingest.start();
      if (config.rollups.enabled) engine.start();
      broker = createBroker({ config, registry, topics, ingest, metrics, log });
      const { mqttPort, wsPort, tlsPort, wssPort } = await broker.start();
      const alarmBroker = broker;
      alarms.onChange((change) => {
        alarmBroker.publish(topics.alarms(), JSON.stringify(change), { qos: 1 }).catch((error: unknown) => log.warn({ err: error, alarm: change.alarm.id }, 'alarm change not published'));
      });
      const activeBroker = broker;
      feedback = createRefusalFeedback({ topics, registry, log, publish: (topic, payload) => activeBroker.publish(topic, payload, { qos: 1 }) });
      const activeRegistry = registry;
      const applyRegistry = (file: RegistryFile) => {
        activeRegistry.replace(file);
        const disconnected = activeBroker.enforceRegistry();
        log.info({ devices: file.devices.length, disconnected }, 'registry applied');
      };
      // Device administration from the CLI rewrites the registry file: take it at once.
      registryWatcher = watchRegistryFile(resolve(config.registryFile), () => {
        loadRegistryFile(resolve(config.registryFile)).then(applyRegistry, (error: unknown) => log.error({ err: error }, 'registry change refused: the file is invalid; the previous registry stays'));
      });
      const endpoints = {
        mqttUrl: `mqtt://${host(config.mqtt.host)}:${mqttPort}`,
        wsUrl: wsPort === null ? null : `ws://${host(config.mqtt.host)}:${wsPort}`,
        mqttsUrl: tlsPort === null ? null : `mqtts://${host(config.mqtt.host)}:${tlsPort}`,
        wssUrl: wssPort === null ? null : `wss://${host(config.mqtt.host)}:${wssPort}`,
        influxUrl,
        influxVersion,
        database: config.influx.database,
      };
      const targets = await loadTargets(resolve(config.targetsFile));
      const activeIngest = ingest;
      live = createLive({
        registry, influx, targets, metrics, log, thresholds: { heavyPct: config.rollups.heavyLoadPct, overloadPct: config.rollups.overloadPct },
        isOnline: (id) => activeIngest.presence.isOnline(id),
        alarms: () => alarms,
      });
      await live.start();
      replays = createReplayRunner({ url: endpoints.mqttUrl, fleetKey: config.fleetKey, topics, registry, log });
      const activeReplays = replays;
      api = buildApi({
        metrics, registry, ingest, influx, targets, live, alarms,
        auth: config.http,
        applyRegistry: async (file) => {
          await saveRegistryFile(resolve(config.registryFile), file);
          applyRegistry(file);
        },
        startReplay: ({ recording, speed, timestamps }) => activeReplays.start({ path: resolve('seeds/recordings', `${recording}.ndjson.gz`), speed, timestamps }),
        describe: () => ({ ...endpoints, started: true }),
      });
      const address = await api.listen({ host: config.http.host, port: config.http.port });
      const httpUrl = address.replace('0.0.0.0', '127.0.0.1');
      await writeRuntime(config.dataDir, { pid: process.pid, startedAt: new Date().toISOString(), httpUrl, mqttUrl: endpoints.mqttUrl, influxUrl, database: config.influx.database });
      wroteRuntime = true;

      if (config.simulate.enabled && config.simulate.replayFile) {
        await replays.start({ path: resolve(config.simulate.replayFile), speed: config.simulate.replaySpeed, timestamps: 'now' });
      } else if (config.simulate.enabled) {
        fleet = createFleet({ url: endpoints.mqttUrl, fleetKey: config.fleetKey, topics, devices: registry.devices, intervalMs: config.simulate.intervalMs, seed: config.simulate.seed, log });
        await fleet.start();
      }
      return { ...endpoints, httpUrl };
    },

    async close() {
      // The reverse of start: producers first, storage last, so nothing accepted is dropped.
      registryWatcher?.close();
      await fleet?.close();
      await replays?.close();
      await broker?.close();
      // The event stream's connections are held open: end them first, or the API's close waits on them.
      await live?.close();
      await api?.close();
      await ingest?.close();
      await alarms?.close();
      await rollups?.close();
      await localInfluxd?.stop();
      if (wroteRuntime) await removeRuntime(config.dataDir);
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
