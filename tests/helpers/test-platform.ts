import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { inject } from 'vitest';
import { connectDevice } from '../../simulators/device-client.ts';
import { mergeConfigInput, parseConfig, type Config, type ConfigInput } from '../../services/config.ts';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform, type PlatformEndpoints } from '../../services/platform.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { createTopics } from '../../services/topics.ts';

export interface TestPlatform {
  readonly platform: Platform;
  readonly endpoints: PlatformEndpoints;
  readonly config: Config;
  readonly topics: ReturnType<typeof createTopics>;
  device(id: string): DeviceRecord;
  connect(device: DeviceRecord): Promise<MqttClient>;
  /** Sum of one Prometheus series, e.g. metric('wanxiang_readings_rejected_total', { reason: 'X' }). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Points of a measurement (optionally matching an InfluxQL WHERE clause). */
  countPoints(measurement: string, where?: string): Promise<number>;
  close(): Promise<void>;
}

/** A whole platform on free ports against the run's real influxd, with a database of its own. */
export async function startTestPlatform(overrides: ConfigInput = {}, options: { logLines?: string[] } = {}): Promise<TestPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-test-'));
  const database = `test_${randomBytes(6).toString('hex')}`;
  // A copy of the seed registry: a test that rotates or disables a device through the admin API
  // must never write into the repository's tracked seeds/devices.json.
  const registryFile = join(dataDir, 'devices.json');
  await copyFile('seeds/devices.json', registryFile);
  const base: ConfigInput = {
    dataDir,
    registryFile,
    logLevel: 'silent',
    mqtt: { host: '127.0.0.1', port: 0, wsPort: 0 },
    http: { host: '127.0.0.1', port: 0 },
    influx: { url: inject('influxUrl'), database },
    ingest: { flushIntervalMs: 100 },
    simulate: { enabled: false },
  };
  const config = parseConfig(mergeConfigInput(base, overrides));
  // With logLines, every log line (debug and up) is kept, so a test can read what was logged.
  const log = options.logLines
    ? createLogger('debug', { write: (line: string) => void options.logLines!.push(line) })
    : createLogger('silent');
  const platform = createPlatform(config, log);
  const endpoints = await platform.start();
  const topics = createTopics(config.mqtt.topicPrefix);
  const clients: MqttClient[] = [];

  return {
    platform,
    endpoints,
    config,
    topics,
    device(id) {
      const device = platform.registry.device(id);
      if (!device) throw new Error(`no device ${id} in the registry`);
      return device;
    },
    async connect(device) {
      const client = await connectDevice(device, { url: endpoints.mqttUrl, fleetKey: config.fleetKey, topics }, { reconnectPeriod: 0 });
      clients.push(client);
      return client;
    },
    async metric(name, labels = {}) {
      const metric = platform.metrics.registry.getSingleMetric(name);
      if (!metric) return 0;
      const { values } = await metric.get();
      return values
        .filter((value) => Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected))
        .reduce((sum, value) => sum + value.value, 0);
    },
    async countPoints(measurement, where) {
      const series = await platform.influx.query(`SELECT COUNT("recv_lag_ms") FROM "${measurement}"${where ? ` WHERE ${where}` : ''}`);
      return Number(series[0]?.values[0]?.[1] ?? 0);
    },
    async close() {
      await Promise.all(clients.map((client) => client.endAsync(true).catch(() => undefined)));
      await platform.close();
      await platform.influx.query(`DROP DATABASE "${database}"`, { database: null }).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
