import type { FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Broker } from '../broker/create-broker.ts';
import type { ClusterNode } from '../cluster/cluster-node.ts';
import type { Config } from '../config.ts';
import { withFileLock } from '../file-lock.ts';
import type { Hj212Receiver } from '../hj212/receiver.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { loadRegistryFile, type DeviceRegistry } from '../registry/device-registry.ts';
import { saveRegistryFile, watchRegistryFile } from '../registry/registry-file.ts';
import { registryRefusal, type RegistryRefusal } from '../registry/registry-refusal.ts';
import type { RegistryFile } from '../registry/registry-schema.ts';
import type { Part } from './part.ts';

export interface RegistryUpdates extends Part {
  /** A registry another node published (services/cluster/): saved to the file and taken. */
  takeRemote(file: RegistryFile): Promise<void>;
  /**
   * A change made here (the admin API), made to the file as it is now under its lock (the CLI's
   * too), then saved, taken and announced to the cluster.
   */
  saveLocal(change: (current: RegistryFile) => RegistryFile | Promise<RegistryFile>): Promise<void>;
  /** Why the file on disk was refused (the previous registry in force); undefined once a valid file is taken. */
  readonly refusal: RegistryRefusal | undefined;
}

/**
 * Registry changes while the platform runs: from the cluster, the admin API and the file the CLI
 * rewrites. Built before the cluster joins (which may bring a newer registry at once: then it is
 * only taken); started once the doors are open, from when a change also disconnects the sessions
 * it no longer allows (the broker's enforceRegistry) and the file is watched.
 */
export function createRegistryUpdates(deps: {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly registry: DeviceRegistry;
  readonly node: () => ClusterNode | undefined;
  readonly broker: () => Broker | undefined;
  /** The HJ 212 door, whose stations' connections a change closes too (red team 3). */
  readonly hj212?: () => Hj212Receiver | undefined;
}): RegistryUpdates {
  const { config, log, metrics, registry } = deps;
  const registryFile = resolve(config.registryFile);
  // A refused file is shown until the file on disk is valid again: on /healthz (degraded) and as
  // wanxiang_registry_invalid, so an operator whose disable sits in it does not believe it done.
  let refusal: RegistryRefusal | undefined;
  const fileTaken = () => {
    if (refusal) log.info({ file: registryFile, refusedSince: refusal.since }, 'registry file valid again: taken, the refusal is cleared');
    refusal = undefined;
    metrics.registryInvalid.set(0);
  };
  const fileRefused = (error: unknown) => {
    refusal = registryRefusal(registryFile, error, refusal, new Date());
    metrics.registryInvalid.set(1);
    log.error({ err: error, code: refusal.code, file: registryFile }, 'registry change refused: the file is invalid; the previous registry stays (degraded on /healthz until a valid file is saved)');
  };
  let applyRegistry = (file: RegistryFile) => registry.replace(file);
  let registryWatcher: FSWatcher | undefined;
  const applyLocal = (file: RegistryFile) => {
    applyRegistry(file);
    deps.node()?.registry.publish(file).catch((error: unknown) => log.error({ err: error }, 'registry change not announced to the cluster'));
  };
  return {
    get refusal() { return refusal; },
    async takeRemote(file) {
      // Under the file's lock, as every other writer: a CLI change that read the file before this
      // write and saved after it put the older registry back, and the watcher then announced that
      // to the whole cluster (a remote disable undone everywhere).
      await withFileLock(registryFile, () => saveRegistryFile(registryFile, file));
      applyRegistry(file);
      fileTaken(); // the cluster's registry replaced the refused file
    },
    async saveLocal(change) {
      // The file, not the registry this platform last took: a CLI change saved within the
      // watcher's debounce was undone by an API change made to the older copy (red team 4).
      const file = await withFileLock(registryFile, async () => {
        const next = await change(await loadRegistryFile(registryFile));
        await saveRegistryFile(registryFile, next);
        return next;
      });
      applyLocal(file);
      fileTaken();
    },
    async start() {
      const activeBroker = deps.broker();
      const activeHj212 = deps.hj212?.();
      applyRegistry = (file: RegistryFile) => {
        registry.replace(file);
        const disconnected = (activeBroker?.enforceRegistry() ?? 0) + (activeHj212?.enforceRegistry() ?? 0);
        log.info({ devices: file.devices.length, disconnected }, 'registry applied');
      };
      // Device administration from the CLI rewrites the registry file: take it at once.
      registryWatcher = watchRegistryFile(registryFile, () => {
        loadRegistryFile(registryFile).then((file) => {
          applyLocal(file);
          fileTaken();
        }, fileRefused);
      });
    },
    detach() {
      registryWatcher?.close();
    },
  };
}
