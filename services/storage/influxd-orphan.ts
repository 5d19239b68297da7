import { setTimeout as delay } from 'node:timers/promises';
import { WanxiangError } from '../errors.ts';
import { processCommandLine } from '../process-identity.ts';

const answers = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (answers(pid)) {
    if (Date.now() > deadline) return false;
    await delay(100); // not our child: polling is the only way to see it exit
  }
  return true;
}

/**
 * An influxd whose starting run is gone (`kill -9` of the platform, an OOM kill: influxd runs in
 * a process group of its own, so it outlives its starter) holds the data folder for no run.
 * It is stopped, as its run would have stopped it (SIGTERM, then SIGKILL after 15 s), when its
 * command line shows it is this folder's (`influxd -config <folder>/influxd.conf`); otherwise the
 * start is refused with the pid to stop, never with "stop that run" for a run that is gone.
 */
export async function stopOrphanedInfluxd(pid: number, owner: number | undefined, configPath: string, lockPath: string, say?: (message: string) => void): Promise<void> {
  const words = await processCommandLine(pid);
  const ours = words !== undefined && (words[0] ?? '').endsWith('influxd') && words.includes(configPath);
  if (!ours) {
    throw new WanxiangError('WX_ERR_DATA_DIR_LOCKED', `influxd ${pid} (lock ${lockPath}) outlived the run that started it (process ${owner ?? '?'} is gone): stop it (kill ${pid}), then start again`, { value: pid });
  }
  say?.(`influxd ${pid} was left running on ${configPath} by process ${owner ?? '?'}, which is gone (a kill -9 or a crash): stopping it before this run starts its own`);
  process.kill(pid, 'SIGTERM');
  if (await gone(pid, 15_000)) return;
  process.kill(pid, 'SIGKILL');
  if (!(await gone(pid, 5_000))) throw new WanxiangError('WX_ERR_DATA_DIR_LOCKED', `influxd ${pid} (lock ${lockPath}), left by process ${owner ?? '?'} that is gone, does not stop: stop it (kill -9 ${pid}), then start again`, { value: pid });
}
