import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { createClusterNode, type ClusterNode } from '../cluster/cluster-node.ts';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { RegistryFile } from '../registry/registry-schema.ts';
import type { Part } from './part.ts';

export interface ClusterPart extends Part<ClusterNode | undefined> {
  /** This node's place in a Redis-shared cluster; undefined without WX_REDIS_URL. */
  readonly node: ClusterNode | undefined;
}

/**
 * This node's place in a cluster (services/cluster/): readings mark windows in Redis and only the
 * leader rolls up and judges alarms. Started before the broker: the cluster's registry is taken
 * first, and an unreachable Redis fails the start here. Stopped after everything that uses Redis.
 */
export function createClusterPart(deps: {
  readonly config: Config;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly registry: DeviceRegistry;
  readonly onRemoteRegistry: (file: RegistryFile) => Promise<void>;
}): ClusterPart {
  const { cluster } = deps.config;
  let node: ClusterNode | undefined;
  return {
    get node() { return node; },
    async start() {
      // What the nodes write to Redis is sealed, but a writer there can still delete it (docs/deploy-city.md).
      if (cluster.redisUrl && new URL(cluster.redisUrl).password === '') {
        deps.log.warn({ redis: cluster.redisUrl }, 'Redis without a password (WX_REDIS_URL=redis://:PASSWORD@host:port/db): whoever reaches it can delete the broker\'s sessions, retained messages and wills, and flood the nodes with refused messages; give it --requirepass');
      }
      node = cluster.redisUrl ? createClusterNode({
        redisUrl: cluster.redisUrl, prefix: cluster.redisPrefix, nodeId: cluster.nodeId ?? hostname(), leaseMs: cluster.leaderLeaseMs, log: deps.log,
        onRemoteRegistry: deps.onRemoteRegistry, fleetKey: deps.config.fleetKey,
        onUnsealed: (kind) => deps.metrics.clusterUnsealed.inc({ kind }),
      }) : undefined;
      await node?.start(deps.registry.file);
      return node;
    },
    async close() {
      await node?.close();
    },
  };
}
