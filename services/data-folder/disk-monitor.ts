import { statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';

/** The data folder's filesystem as /healthz says it. */
export interface DiskStatus {
  readonly freeBytes: number;
  readonly totalBytes: number;
  readonly freePct: number;
  /** Free space below the threshold: the disk-low alarm (WX_ERR_DISK_LOW) is on. */
  readonly low: boolean;
  readonly lowFreePct: number;
}

export interface DiskMonitor {
  start(): Promise<void>;
  close(): void;
  /** Undefined until the first check. */
  readonly status: DiskStatus | undefined;
}

export interface DiskMonitorDeps {
  readonly dir: string;
  readonly lowFreePct: number;
  readonly intervalMs: number;
  readonly registry: Registry;
  readonly log: Logger;
}

/**
 * Issue 19, item 2: the disk-space alarm fires before the disk is full. Every interval the data
 * folder's filesystem is measured (statfs: what an unprivileged writer may still use, f_bavail);
 * below `lowFreePct` the alarm goes on, once, as an error log line with WX_ERR_DISK_LOW, a
 * metric a Prometheus rule can page on (deploy/prometheus/alerts.yml), and /healthz's answer.
 */
export function createDiskMonitor(deps: DiskMonitorDeps): DiskMonitor {
  const dir = resolve(deps.dir);
  let status: DiskStatus | undefined;
  let timer: NodeJS.Timeout | undefined;
  const registers = [deps.registry];
  const gaugeNames = ['wanxiang_data_disk_free_bytes', 'wanxiang_data_disk_free_ratio', 'wanxiang_data_disk_low'];
  void [
    new Gauge({ name: 'wanxiang_data_disk_free_bytes', help: 'Free bytes on the data folder\'s filesystem (for an unprivileged writer).', registers, collect() { if (status) this.set(status.freeBytes); } }),
    new Gauge({ name: 'wanxiang_data_disk_free_ratio', help: 'Free share (0-1) of the data folder\'s filesystem.', registers, collect() { if (status) this.set(status.freePct / 100); } }),
    new Gauge({ name: 'wanxiang_data_disk_low', help: '1 while the data folder\'s free space is below WX_DISK_LOW_FREE_PCT (the disk-low alarm), else 0.', registers, collect() { this.set(status?.low ? 1 : 0); } }),
  ];

  async function check(): Promise<void> {
    let stats: Awaited<ReturnType<typeof statfs>>;
    try {
      stats = await statfs(dir);
    } catch (error) {
      deps.log.warn({ err: error, dir }, 'cannot measure the data folder\'s disk');
      return;
    }
    const totalBytes = Number(stats.blocks) * Number(stats.bsize);
    const freeBytes = Number(stats.bavail) * Number(stats.bsize);
    const freePct = totalBytes > 0 ? (freeBytes / totalBytes) * 100 : 100;
    const low = freePct < deps.lowFreePct;
    if (low && !status?.low) deps.log.error({ code: 'WX_ERR_DISK_LOW', dir, freeBytes, freePct: Number(freePct.toFixed(2)), lowFreePct: deps.lowFreePct }, 'the data folder\'s disk is almost full: free space before the spool stops taking readings');
    else if (!low && status?.low) deps.log.warn({ dir, freeBytes, freePct: Number(freePct.toFixed(2)) }, 'the data folder\'s disk has room again');
    status = { freeBytes, totalBytes, freePct: Number(freePct.toFixed(2)), low, lowFreePct: deps.lowFreePct };
  }

  return {
    get status() {
      return status;
    },
    async start() {
      await check();
      const tick = () => {
        timer = setTimeout(() => void check().finally(() => { if (timer) tick(); }), deps.intervalMs);
        timer.unref();
      };
      tick();
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
      for (const name of gaugeNames) deps.registry.removeSingleMetric(name);
    },
  };
}
