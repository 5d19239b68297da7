import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createSpool, type Spool, type SpoolOptions } from '../../../services/spool/index.ts';

/** A fresh directory under the OS temp dir, removed after the test; spools opened through it are closed first. */
export function useSpoolDirs(): { dir(): Promise<string>; open(options: SpoolOptions): Promise<Spool> } {
  const dirs: string[] = [];
  const spools: Spool[] = [];
  afterEach(async () => {
    for (const spool of spools.splice(0)) await spool.close();
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  return {
    async dir() {
      const dir = await mkdtemp(join(tmpdir(), 'wanxiang-spool-'));
      dirs.push(dir);
      return dir;
    },
    async open(options) {
      const spool = createSpool(options);
      spools.push(spool);
      await spool.open();
      return spool;
    },
  };
}

/** `count` records shaped like line protocol with a little metadata, about 200 bytes each. */
export function makeRecords(count: number, from = 0): string[] {
  return Array.from(
    { length: count },
    (_, k) => `#seq=${from + k} device=air-0042 topic=luohu/air/air-0042/telemetry\nair_quality,device=air-0042,family=air,street=dongmen pm25_ugm3=${(from + k) % 500},pm10_ugm3=80,no2_ugm3=31 ${1_700_000_000_000 + from + k}`,
  );
}

/** Reads everything readable now, acknowledging each batch when `ack` is set. */
export async function readAll(spool: Spool, options: { batch?: number; ack?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  for (let batch = await spool.read(options.batch ?? 97); batch; batch = await spool.read(options.batch ?? 97)) {
    out.push(...batch.records);
    if (options.ack) await batch.ack();
  }
  return out;
}

export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}
