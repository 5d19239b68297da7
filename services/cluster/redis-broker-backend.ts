import aedesPersistenceRedis from 'aedes-persistence-redis';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import mqemitterRedis from 'mqemitter-redis';
import type { ClusterSeal } from './cluster-seal.ts';
import { sealPersistence } from './sealed-persistence.ts';
import { sealRouting, type RouteRefusal } from './sealed-routing.ts';

/** What aedes takes to become one node of a broker cluster (aedes README, "Clustering"). */
export interface BrokerBackend {
  /** Aedes options: `mq` routes publishes between nodes, `persistence` keeps sessions, retained messages and wills. */
  readonly aedesOptions: { readonly id: string; readonly mq: unknown; readonly persistence: unknown };
  /** After the broker closed (aedes closes `mq` itself; the persistence is ours to destroy). */
  close(): Promise<void>;
}

export interface RedisBrokerBackendOptions {
  readonly redisUrl: string;
  /** aedes's id: the broker id its packets, wills and heartbeats carry. */
  readonly nodeId: string;
  readonly seal: ClusterSeal;
  /** A retained message, will or queued message of the persistence refused for its seal (its topic). */
  readonly refusedStored: (topic: string) => void;
  /** A message of the routing refused: unsealed, stale or replayed (sealed-routing.ts). */
  readonly refusedRouted: (reason: RouteRefusal, topic: string) => void;
  /** The clock the routing's seal is dated by. */
  readonly now?: () => number;
}

/**
 * mqemitter-redis closes its connections with a bare `quit()`: a QUIT cut off by a socket that
 * closes first would be an unhandled rejection (seen in the cluster tests). Its answer is not needed.
 */
function quietQuit(connection: Redis): Redis {
  const quit = connection.quit.bind(connection);
  connection.quit = ((...args: Parameters<typeof quit>) => {
    const answer = quit(...args);
    answer.catch(() => undefined);
    return answer;
  }) as typeof connection.quit;
  return connection;
}

/**
 * The embedded broker's state in Redis: mqemitter-redis carries every publish to every node
 * (a device on node A reaches a subscriber on node B), aedes-persistence-redis keeps
 * subscriptions, offline queues, retained messages and Last Wills, so a node can restart or
 * die without losing them (a surviving node publishes a dead node's wills).
 * Each publish is authorised and ingested once, on the node its device is connected to.
 */
export function createRedisBrokerBackend(options: RedisBrokerBackendOptions): BrokerBackend {
  const { redisUrl, nodeId, seal } = options;
  const routing = () => quietQuit(new Redis(redisUrl, { enableAutoPipelining: true }));
  const [pubConn, subConn] = [routing(), routing()];
  // Every publish between the nodes sealed, dated and checked before mqemitter-redis decodes it (sealed-routing.ts).
  sealRouting(pubConn, subConn, { seal, refused: options.refusedRouted, now: options.now });
  const mq = mqemitterRedis({ pubConn, subConn });
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  // Retained messages, wills and queued messages sealed as the nodes' own messages are (sealed-persistence.ts).
  const persistence = sealPersistence(aedesPersistenceRedis({ conn }), seal, (packet) => options.refusedStored(`${packet.topic ?? ''}`));
  return {
    aedesOptions: { id: nodeId, mq, persistence },
    // Not persistence.destroy(): it unsubscribes through `mq`, which aedes has closed by now,
    // and would wait for ever. Its only resource is the connection we gave it.
    // aedes closes its clients at shutdown and publishes their wills; each will (and each
    // clean session's subscriptions) is then deleted from the persistence a Redis round trip
    // or two after aedes reports closed, with no event to await. So: wait until the
    // connection has been idle for a few polls (at most 2 s), then QUIT, which still answers
    // whatever was sent before it.
    close: async () => {
      const pending = () => (conn as unknown as { commandQueue: { length: number } }).commandQueue.length;
      for (let idle = 0, waited = 0; idle < 3 && waited < 2_000; waited += 50) {
        await delay(50);
        idle = pending() === 0 ? idle + 1 : 0;
      }
      await conn.quit().catch(() => conn.disconnect());
    },
  };
}
