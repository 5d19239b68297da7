import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * A sampling profile of allocations, garbage included: `--heap-prof` keeps only what is still
 * alive at exit, which hides the short-lived objects that make the collector's work. Opens as
 * a `.heapprofile` in Chrome DevTools (Memory tab), or with bench/profile-summary.ts.
 */
export async function startAllocationProfile(samplingInterval = 16_384): Promise<{ stop(dir: string): Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  return {
    async stop(dir) {
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
      session.disconnect();
      await mkdir(dir, { recursive: true });
      const path = join(dir, `allocations-${process.pid}.heapprofile`);
      await writeFile(path, JSON.stringify(profile));
      return path;
    },
  };
}
