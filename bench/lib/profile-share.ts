import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[] }

/**
 * From the largest V8 CPU profile in `dir` (the platform's main thread, node --cpu-prof): the
 * share of its busy samples (all but idle) spent in the garbage collector, over the samples
 * taken while `busyFunction` was on the stack somewhere between its first and last sample, so
 * start-up and shutdown are left out.
 */
export async function gcShareOfBusySamples(dir: string, busyFunction: string): Promise<number | null> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  const texts = await Promise.all(files.map((name) => readFile(join(dir, name), 'utf8')));
  const profile = JSON.parse(texts.reduce((a, b) => (b.length > a.length ? b : a))) as CpuProfile;
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const inBusy = (id: number) => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (byId.get(at)?.callFrame.functionName === busyFunction) return true;
    return false;
  };
  const first = profile.samples.findIndex(inBusy);
  const last = profile.samples.findLastIndex(inBusy);
  if (first === -1) return null;
  let busy = 0;
  let gc = 0;
  for (const id of profile.samples.slice(first, last + 1)) {
    const name = byId.get(id)?.callFrame.functionName;
    if (name === '(idle)') continue;
    busy += 1;
    if (name === '(garbage collector)') gc += 1;
  }
  return busy === 0 ? null : gc / busy;
}
