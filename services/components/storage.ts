import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { redactUserinfo } from '../redact-url.ts';
import { createDeviceRegistry, loadRegistryFile, type DeviceRegistry } from '../registry/device-registry.ts';
import { createInfluxClient, type InfluxClient } from '../storage/influx-client.ts';
import { startLocalInfluxd, type LocalInfluxd } from '../storage/influxd-launcher.ts';
import type { Part } from './part.ts';

export interface Storage {
  readonly registry: DeviceRegistry;
  readonly influx: InfluxClient;
  readonly influxUrl: string;
  readonly influxVersion: string;
}

export interface StoragePart extends Part<Storage> {
  /** Undefined before start. */
  readonly registry: DeviceRegistry | undefined;
  readonly influx: InfluxClient | undefined;
  /** Stops the influxd this part started, if any (again after a failed start's cleanup: issue 13, item 9). */
  stopLocalInfluxd(): Promise<void>;
}

/**
 * What is kept: the device registry from its file (read first: a bad file fails the start before
 * any process is started) and InfluxDB, a local influxd in the data folder when no URL is given.
 * Stopped after everything that writes or reads it.
 */
export function createStoragePart(deps: { readonly config: Config; readonly log: Logger }): StoragePart {
  const { config, log } = deps;
  let registry: DeviceRegistry | undefined;
  let influx: InfluxClient | undefined;
  let localInfluxd: LocalInfluxd | undefined;
  const stopLocalInfluxd = async () => {
    await localInfluxd?.stop();
  };
  return {
    get registry() { return registry; },
    get influx() { return influx; },
    async start() {
      const activeRegistry = createDeviceRegistry(await loadRegistryFile(resolve(config.registryFile)));
      registry = activeRegistry;
      let influxUrl = config.influx.urls?.[0] ?? config.influx.url;
      if (!influxUrl) {
        localInfluxd = await startLocalInfluxd({ dataDir: join(config.dataDir, 'influxdb'), onLog: (line) => log.debug({ influxd: line }), onOrphan: (message) => log.warn(message), onRestart: (message) => log.error({ code: 'WX_ERR_INFLUX_UNAVAILABLE' }, message), port: config.influx.localPort, rpcPort: config.influx.localRpcPort });
        influxUrl = localInfluxd.url;
      }
      const activeInflux = createInfluxClient({ ...config.influx, url: influxUrl, onDatabaseRecreated: (message) => log.error({ code: 'WX_ERR_INFLUX_DATABASE_MISSING' }, message) });
      influx = activeInflux;
      const influxVersion = await activeInflux.ping();
      await activeInflux.ensureDatabase(config.influx.retention);
      log.info({ influxUrl: redactUserinfo(influxUrl), influxVersion, database: config.influx.database }, 'InfluxDB ready');
      return { registry: activeRegistry, influx: activeInflux, influxUrl, influxVersion };
    },
    stopLocalInfluxd,
    close: stopLocalInfluxd,
  };
}
