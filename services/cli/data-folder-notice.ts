import { resolve, sep } from 'node:path';
import { defaultFleetKey, type Config } from '../config.ts';
import { WanxiangError } from '../errors.ts';
import { installationPaths } from '../installation.ts';

/**
 * Issue 19, item 6: one data-folder rule for every command. The data folder is --data-dir, else
 * WX_DATA_DIR, else data/ of the working directory; its registry is devices.json there (made
 * from the seeds by the first start or the first change), unless --registry or WX_REGISTRY_FILE
 * names another. Each command says on stderr which folder, registry and fleet key it used, so a
 * secret derived from the wrong key is seen before the broker refuses it.
 */
export interface DataFolderUse {
  readonly dataDir: string;
  readonly registry: string;
  /** Where the fleet key came from, never the key. */
  readonly fleetKey: string;
  /** The data folder holds no installation: the tools fall back to the seeds and the development key. */
  readonly uninstalled: boolean;
}

export function dataFolderUse(config: Config): DataFolderUse {
  // Without WX_FLEET_KEY and WX_REGISTRY_FILE (installationKey) the only key other than the
  // development one is the data folder's (services/installation.ts).
  const developmentKey = config.fleetKey === defaultFleetKey;
  const fleetKey = developmentKey ? 'the development key' : config.installationKey ? `the data folder's (${installationPaths(config.dataDir).key})` : 'WX_FLEET_KEY';
  return { dataDir: resolve(config.dataDir), registry: resolve(config.registryFile), fleetKey, uninstalled: config.installationKey && developmentKey };
}

/** `[record] data folder /x/data, registry /x/data/devices.json, fleet key the data folder's (...)`. */
export function dataFolderLine(command: string, config: Config): string {
  const use = dataFolderUse(config);
  const none = use.uninstalled ? ` (the data folder has no installation yet: 'wanxiang start --data-dir ${use.dataDir}' makes one)` : '';
  return `[${command}] data folder ${use.dataDir}, registry ${use.registry}, fleet key ${use.fleetKey}${none}\n`;
}

/** The repository's seeds are read, never written: a change goes to the installation's registry. */
export function assertNotSeeds(path: string, what: string): void {
  const seeds = `${resolve('seeds')}${sep}`;
  if (!resolve(path).startsWith(seeds)) return;
  throw new WanxiangError('WX_ERR_FILE', `${what} would write the repository's seed registry ${resolve(path)}: the seeds are read-only; leave WX_FLEET_KEY and WX_REGISTRY_FILE unset so that the data folder holds the registry (--data-dir DIR or WX_DATA_DIR), or name a registry of your own with --registry FILE (or WX_REGISTRY_FILE)`);
}
