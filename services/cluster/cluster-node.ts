import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { WanxiangError } from '../errors.ts';
import type { RegistryFile } from '../registry/registry-schema.ts';
import { redactUserinfo } from '../redact-url.ts';
import { createClusterSeal, unsealedWarning, type ClusterSeal } from './cluster-seal.ts';
import { createLeaderElection, type LeaderElection } from './leader-election.ts';
import { createLeaderServices, type LeaderServices } from './leader-services.ts';
import { createRedisBrokerBackend, type BrokerBackend } from './redis-broker-backend.ts';
import { createRegistrySync, type RegistrySync } from './registry-sync.ts';
import { createRollupMarks, type RollupMarks } from './rollup-marks.ts';

export interface ClusterNodeOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly log: Logger;
  /** A registry version another node published: save it and apply it here. */
  readonly onRemoteRegistry: (file: RegistryFile) => Promise<void>;
  /** The installation's fleet key, which every node holds: the key of the cluster's seal. */
  readonly fleetKey: string;
  /** Counts a message or registry refused for its seal, per kind. */
  readonly onUnsealed?: (kind: 'registry' | 'feed' | 'alarms' | 'events' | 'broker' | 'routing') => void;
}

export interface ClusterNode {
  readonly nodeId: string;
  /** Key prefix and channel prefix of this cluster in Redis. */
  readonly prefix: string;
  /** Commands, and a second connection for pub/sub only (ioredis cannot mix them on one). */
  readonly redis: Redis;
  readonly subscriber: Redis;
  /** For the embedded broker: routing, sessions and retained messages in Redis. */
  readonly broker: BrokerBackend;
  readonly rollupMarks: RollupMarks;
  /** Services that run only on the leader (rollups, alarms), added with `leaderServices.add`. */
  readonly leaderServices: LeaderServices;
  readonly election: LeaderElection;
  readonly registry: RegistrySync;
  /** Seals what this node publishes in Redis and opens what the others did (cluster-seal.ts). */
  readonly seal: ClusterSeal;
  /** Counts a refused message of a kind (the metric), after its own log line. */
  unsealed(kind: 'feed' | 'alarms' | 'events'): void;
  /** Connects, syncs the registry, starts the election. */
  start(registry: RegistryFile): Promise<void>;
  close(): Promise<void>;
}

/** One platform node of a Redis-shared cluster (docs/deploy-city.md). */
export function createClusterNode(options: ClusterNodeOptions): ClusterNode {
  const { prefix, log } = options;
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const subscriber = new Redis(options.redisUrl, { lazyConnect: true });
  for (const connection of [redis, subscriber]) connection.on('error', (error: Error) => log.warn({ code: 'WX_ERR_REDIS_UNAVAILABLE', err: error }, 'Redis connection error'));
  const leaderServices = createLeaderServices(log);
  const election = createLeaderElection({
    redis, key: `${prefix}:leader`, nodeId: options.nodeId, leaseMs: options.leaseMs, log,
    onElected: () => leaderServices.elected(),
    onDeposed: () => leaderServices.deposed(),
  });
  const seal = createClusterSeal(options.fleetKey);
  const registry = createRegistrySync({ redis, subscriber, key: `${prefix}:registry`, log, seal, refused: () => options.onUnsealed?.('registry'), onRemote: options.onRemoteRegistry });
  const rollupMarks = createRollupMarks({ redis, key: `${prefix}:rollups:dirty`, log });
  let broker: BrokerBackend | undefined;
  const warnBrokerUnsealed = unsealedWarning(log, 'broker');
  const warnRoutingUnsealed = unsealedWarning(log, 'routing');
  let connected = false;

  return {
    nodeId: options.nodeId,
    prefix,
    redis,
    subscriber,
    get broker() {
      return (broker ??= createRedisBrokerBackend({
        redisUrl: options.redisUrl, nodeId: options.nodeId, seal,
        refusedStored: (topic) => warnBrokerUnsealed(topic, () => options.onUnsealed?.('broker')),
        refusedRouted: (reason, topic) => warnRoutingUnsealed(`${reason}: ${topic}`, () => options.onUnsealed?.('routing')),
      }));
    },
    rollupMarks,
    leaderServices,
    election,
    registry,
    seal,
    unsealed: (kind) => options.onUnsealed?.(kind),
    async start(own) {
      try {
        await Promise.all([redis.connect(), subscriber.connect()]);
      } catch (error) {
        redis.disconnect();
        subscriber.disconnect();
        // ioredis would queue commands for a connection that never came: close() must not wait on them.
        throw new WanxiangError('WX_ERR_REDIS_UNAVAILABLE', `Redis at ${redactUserinfo(options.redisUrl)} cannot be reached: ${(error as Error).message}`, { cause: error });
      }
      connected = true;
      await registry.start(own);
      rollupMarks.start();
      await election.start();
    },
    async close() {
      if (!connected) return void (await broker?.close());
      await election.close();
      await leaderServices.settled();
      await rollupMarks.close();
      await registry.close();
      await broker?.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
