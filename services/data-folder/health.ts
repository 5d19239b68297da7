import type { SpoolHealth } from '../spool/writer.ts';
import type { DiskStatus } from './disk-monitor.ts';

export type { DiskStatus } from './disk-monitor.ts';

/** Why the data folder makes the platform unhealthy, each with its code; empty when it does not. */
export function dataFolderProblems(spool: SpoolHealth, disk: DiskStatus | undefined): Array<{ code: string; message: string }> {
  const problems: Array<{ code: string; message: string }> = [];
  if (spool.state === 'disk-full') problems.push({ code: 'WX_ERR_DISK_FULL', message: `the spool's disk is full since ${spool.since}: readings are refused (not acknowledged) until space returns` });
  if (spool.state === 'ack-failing') problems.push({ code: 'WX_ERR_SPOOL_ACK_FAILED', message: `the spool's acknowledgement file cannot be written since ${spool.since} (${spool.reason}): written readings are read and written again at the next start, and no space is reclaimed until it can` });
  if (spool.state === 'stopped') problems.push({ code: 'WX_ERR_SPOOL_UNAVAILABLE', message: spool.reason ?? 'the spool is stopped' });
  if (disk?.low) problems.push({ code: 'WX_ERR_DISK_LOW', message: `the data folder's disk has ${disk.freePct} % free (${disk.freeBytes} bytes), below the alarm threshold of ${disk.lowFreePct} %` });
  return problems;
}
