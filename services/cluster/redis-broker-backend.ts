import aedesPersistenceRedis from 'aedes-persistence-redis';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import mqemitterRedis from 'mqemitter-redis';

/** What aedes takes to become one node of a broker cluster (aedes README, "Clustering"). */
export interface BrokerBackend {
  /** Aedes options: `mq` routes publishes between nodes, `persistence` keeps sessions, retained messages and wills. */
  readonly aedesOptions: { readonly id: string; readonly mq: unknown; readonly persistence: unknown };
  /** After the broker closed (aedes closes `mq` itself; the persistence is ours to destroy). */
  close(): Promise<void>;
}

/**
 * The embedded broker's state in Redis: mqemitter-redis carries every publish to every node
 * (a device on node A reaches a subscriber on node B), aedes-persistence-redis keeps
 * subscriptions, offline queues, retained messages and Last Wills, so a node can restart or
 * die without losing them (a surviving node publishes a dead node's wills).
 * Each publish is authorised and ingested once, on the node its device is connected to.
 */
export function createRedisBrokerBackend(redisUrl: string, nodeId: string): BrokerBackend {
  const mq = mqemitterRedis({ connectionString: redisUrl });
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const persistence = aedesPersistenceRedis({ conn });
  return {
    aedesOptions: { id: nodeId, mq, persistence },
    // Not persistence.destroy(): it unsubscribes through `mq`, which aedes has closed by now,
    // and would wait for ever. Its only resource is the connection we gave it.
    // aedes closes its clients at shutdown and publishes their wills; each will is then deleted
    // from the persistence a Redis round trip after aedes reports closed, with no event to
    // await: a short grace keeps those deletes from meeting a closed connection.
    close: async () => {
      await delay(250);
      conn.disconnect();
    },
  };
}
