import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createDiskMonitor, type DiskMonitor } from '../data-folder/disk-monitor.ts';
import { lockDataFolder, type FolderLock } from '../data-folder/folder-lock.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { removeRuntime, writeRuntime, type Runtime } from '../runtime-file.ts';
import type { Part } from './part.ts';

export interface DataFolderPart extends Part {
  /** The data folder's disk (issue 19, item 2); undefined before start. */
  readonly disk: DiskMonitor | undefined;
  /** Writes `runtime.json` once the platform listens (issue 13, item 20); close removes it. */
  recordRuntime(runtime: Runtime): Promise<void>;
}

/**
 * The data folder: whose it is (the lock, issue 19 item 1: this run's alone, whatever database it
 * writes to), how full its disk is, and who runs in it (`runtime.json`). The first part started
 * and the last stopped: the runtime file goes only once everything else has stopped, and the lock
 * is released last, so the next start finds the folder free only when this run is truly done.
 */
export function createDataFolderPart(deps: { readonly config: Config; readonly command: string; readonly metrics: Metrics; readonly log: Logger }): DataFolderPart {
  const { config, metrics, log } = deps;
  let folderLock: FolderLock | undefined;
  let diskMonitor: DiskMonitor | undefined;
  let wroteRuntime = false;
  return {
    get disk() { return diskMonitor; },
    async start() {
      folderLock = await lockDataFolder(config.dataDir, deps.command);
      diskMonitor = createDiskMonitor({ dir: config.dataDir, lowFreePct: config.disk.lowFreePct, intervalMs: config.disk.checkIntervalMs, registry: metrics.registry, log });
      await diskMonitor.start();
    },
    async recordRuntime(runtime) {
      await writeRuntime(config.dataDir, runtime);
      wroteRuntime = true;
    },
    async close() {
      if (wroteRuntime) await removeRuntime(config.dataDir);
      diskMonitor?.close();
      await folderLock?.release();
    },
  };
}
