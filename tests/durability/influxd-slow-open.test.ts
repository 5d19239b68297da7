import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalInfluxd } from '../../services/storage/influxd-launcher.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';

/**
 * Red team 11: after a year's backfill (593 MB) the platform's own influxd took about 50 s to open
 * its shards, and a fixed 30 s wait for /ping failed the start twice on a folder that was fine.
 * influxd logs each shard it opens; a start waits while it does. Here a real influxd behind a
 * script that logs for 4 s first (as one opening shards), against a 1.5 s quiet limit.
 */
describe("the platform's own influxd, slow to open its data", () => {
  let work: string;
  let slowInfluxd: string;
  let silentInfluxd: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-influxd-slow-'));
    slowInfluxd = join(work, 'influxd-slow');
    await writeFile(slowInfluxd, '#!/bin/sh\nfor i in 1 2 3 4 5 6 7 8; do echo "opening shard $i" >&2; sleep 0.5; done\nexec influxd "$@"\n');
    silentInfluxd = join(work, 'influxd-silent');
    await writeFile(silentInfluxd, '#!/bin/sh\nsleep 60\nexec influxd "$@"\n');
    await chmod(slowInfluxd, 0o755);
    await chmod(silentInfluxd, 0o755);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('is waited for while it keeps logging, past the quiet limit', async () => {
    const lines: string[] = [];
    const influxd = await startLocalInfluxd({ dataDir: join(work, 'slow'), binary: slowInfluxd, readyTimeoutMs: 1_500, onLog: (line) => lines.push(line) });
    try {
      expect(lines.filter((line) => line.startsWith('opening shard'))).toHaveLength(8);
      expect(await createInfluxClient({ url: influxd.url, database: 'x' }).ping()).toMatch(/^1\./);
    } finally {
      await influxd.stop();
    }
  }, 60_000);

  it('is given up after the quiet limit without an answer or a log line, saying so', async () => {
    const started = Date.now();
    await expect(startLocalInfluxd({ dataDir: join(work, 'silent'), binary: silentInfluxd, readyTimeoutMs: 1_500 })).rejects.toMatchObject({
      code: 'WX_ERR_INFLUXD_START', message: expect.stringContaining('wrote no log line for 1500 ms'),
    });
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
