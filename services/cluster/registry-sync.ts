import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseRegistry } from '../registry/device-registry.ts';
import type { RegistryFile } from '../registry/registry-schema.ts';
import { unsealedWarning, type ClusterSeal } from './cluster-seal.ts';

/** What another node's registry changed, for the log: a re-keyed or re-enabled device is an administrator's act. */
function registryChanges(before: RegistryFile, after: RegistryFile): { added: string[]; removed: string[]; rekeyed: string[]; enabled: string[]; disabled: string[] } | undefined {
  const old = new Map(before.devices.map((device) => [device.id, device]));
  const now = new Set(after.devices.map((device) => device.id));
  const changes = { added: [] as string[], removed: before.devices.filter((device) => !now.has(device.id)).map((device) => device.id), rekeyed: [] as string[], enabled: [] as string[], disabled: [] as string[] };
  for (const device of after.devices) {
    const was = old.get(device.id);
    if (!was) changes.added.push(device.id);
    else {
      if (was.secretHash !== device.secretHash || was.hj212?.pwHash !== device.hj212?.pwHash) changes.rekeyed.push(device.id);
      if (was.disabled && !device.disabled) changes.enabled.push(device.id);
      if (!was.disabled && device.disabled) changes.disabled.push(device.id);
    }
  }
  return Object.values(changes).some((ids) => ids.length > 0) ? changes : undefined;
}

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
export function createRegistrySync(options: { redis: Redis; subscriber: Redis; key: string; log: Logger; seal: ClusterSeal; refused?: () => void; onRemote: (file: RegistryFile) => Promise<void> }): RegistrySync {
  const { redis, subscriber, key, log, seal } = options;
  const self = randomUUID();
  let lastSeen = '';
  let current: RegistryFile | undefined;
  const warnUnsealed = unsealedWarning(log, 'registry');

  async function takeRemote(sealed: string): Promise<void> {
    const text = seal.open(key, sealed);
    // Whoever can write to Redis is not thereby an administrator (red team 9): an unsealed registry is refused.
    if (text === null) return warnUnsealed(sealed, options.refused);
    if (text === lastSeen) return;
    let file: RegistryFile;
    try {
      file = parseRegistry(JSON.parse(text) as unknown, 'cluster registry');
    } catch (error) {
      log.error({ err: error }, 'cluster registry refused: invalid; this node keeps its own');
      return;
    }
    lastSeen = text;
    const changed = current ? registryChanges(current, file) : undefined;
    if (changed) log.warn({ ...changed }, 'cluster registry applied: devices changed on another node');
    current = file;
    await options.onRemote(file);
  }

  return {
    async start(own) {
      subscriber.on('message', (channel: string, message: string) => {
        if (channel !== key) return;
        const separator = message.indexOf('\n');
        if (separator === -1 || message.slice(0, separator) === self) return;
        takeRemote(message.slice(separator + 1)).catch((error: unknown) => log.error({ err: error }, 'cluster registry not applied'));
      });
      await subscriber.subscribe(key);
      const text = JSON.stringify(own);
      current = own;
      const sealed = seal.seal(key, text);
      // The first node to start offers its registry; later nodes take the cluster's.
      if ((await redis.set(key, sealed, 'NX')) === 'OK') lastSeen = text;
      else {
        const stored = (await redis.get(key)) ?? sealed;
        // Left unsealed (by a version before the seal, or by someone who is not a node): this
        // node's registry takes its place, so that the cluster has one the nodes can read.
        if (seal.open(key, stored) === null) {
          await takeRemote(stored);
          await redis.set(key, sealed);
          lastSeen = text;
        } else await takeRemote(stored);
      }
    },
    async publish(file) {
      const text = JSON.stringify(file);
      if (text === lastSeen) return;
      lastSeen = text;
      current = file;
      const sealed = seal.seal(key, text);
      await redis.set(key, sealed);
      await redis.publish(key, `${self}\n${sealed}`);
    },
    async close() {
      await subscriber.unsubscribe(key).catch(() => undefined);
    },
  };
}
