import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseRegistry } from '../registry/device-registry.ts';
import type { RegistryFile } from '../registry/registry-schema.ts';

export interface RegistrySync {
  /** Subscribes; takes the cluster's registry if Redis holds one, else offers this node's. */
  start(own: RegistryFile): Promise<void>;
  /** A change made on this node (API, CLI): stored in Redis and announced to every node. */
  publish(file: RegistryFile): Promise<void>;
  close(): Promise<void>;
}

/**
 * The device registry across the cluster: the current version lives in Redis (`key`) and
 * every change is announced on `key` as a pub/sub channel, so device administration on any
 * node (a disabled device, a rotated secret) reaches every node's broker within a round
 * trip. Each node also saves it to its own registry file (`onRemote`), so a node that starts
 * while Redis is down still has the last version. A version already seen is not re-announced:
 * saving the file triggers the node's file watcher, which must not echo it back.
 */
export function createRegistrySync(options: { redis: Redis; subscriber: Redis; key: string; log: Logger; onRemote: (file: RegistryFile) => Promise<void> }): RegistrySync {
  const { redis, subscriber, key, log } = options;
  const self = randomUUID();
  let lastSeen = '';

  async function takeRemote(text: string): Promise<void> {
    if (text === lastSeen) return;
    let file: RegistryFile;
    try {
      file = parseRegistry(JSON.parse(text) as unknown, 'cluster registry');
    } catch (error) {
      log.error({ err: error }, 'cluster registry refused: invalid; this node keeps its own');
      return;
    }
    lastSeen = text;
    await options.onRemote(file);
  }

  return {
    async start(own) {
      subscriber.on('message', (channel: string, message: string) => {
        if (channel !== key) return;
        const separator = message.indexOf('\n');
        if (message.slice(0, separator) === self) return;
        takeRemote(message.slice(separator + 1)).catch((error: unknown) => log.error({ err: error }, 'cluster registry not applied'));
      });
      await subscriber.subscribe(key);
      const text = JSON.stringify(own);
      // The first node to start offers its registry; later nodes take the cluster's.
      if ((await redis.set(key, text, 'NX')) === 'OK') lastSeen = text;
      else await takeRemote((await redis.get(key)) ?? text);
    },
    async publish(file) {
      const text = JSON.stringify(file);
      if (text === lastSeen) return;
      lastSeen = text;
      await redis.set(key, text);
      await redis.publish(key, `${self}\n${text}`);
    },
    async close() {
      await subscriber.unsubscribe(key).catch(() => undefined);
    },
  };
}
