import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeConfigInput, type ConfigInput } from '../../services/config.ts';
import { startTestPlatform, type TestPlatform } from './test-platform.ts';

export interface ClusterNodeOptions {
  /** The InfluxDB database the nodes share; without it, each node has one of its own. */
  readonly database?: string;
  /** Where its keys and channels live in Redis; by default `wx-<database>` (shared by the nodes) with a database. */
  readonly redisPrefix?: string;
  /** Settings of the test's own, over the node's. */
  readonly overrides?: ConfigInput;
  readonly now?: () => number;
}

/**
 * A platform node of a test cluster on the Redis at `redis.url`, named `name`, with its own copy
 * of the seeds' registry in `redis.dir`.
 */
export async function startClusterNode(redis: { url: string; dir: string }, name: string, options: ClusterNodeOptions = {}): Promise<TestPlatform> {
  const { database } = options;
  const redisPrefix = options.redisPrefix ?? (database === undefined ? undefined : `wx-${database}`);
  const registryFile = join(redis.dir, `${name}-devices.json`);
  await copyFile('seeds/devices.json', registryFile);
  const node: ConfigInput = {
    registryFile,
    ...(database === undefined ? {} : { influx: { database } }),
    // The default lease: a short one lapses when a loaded machine stalls the event loop, and the
    // leader changes under the test. Hand-overs here are graceful (a closing leader releases it).
    cluster: { redisUrl: redis.url, nodeId: name, leaderLeaseMs: 10_000, redisPrefix },
  };
  return startTestPlatform(mergeConfigInput(node, options.overrides) as ConfigInput, { now: options.now });
}
