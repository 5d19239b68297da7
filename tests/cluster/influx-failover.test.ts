import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { createInfluxWriter } from '../../services/storage/influx-writer.ts';
import { freePort, startLocalInfluxd, type LocalInfluxd } from '../../services/storage/influxd-launcher.ts';
import { waitFor } from './servers.ts';

const database = 'failover';

/** Every point's time on one server (the series is one: measurement `m`, tag `run`). */
async function timesOn(url: string): Promise<number[]> {
  const client = createInfluxClient({ url, database });
  const series = await client.query('SELECT "v" FROM "m"');
  return (series[0]?.values ?? []).map((row) => Number(row[0]));
}

describe('the writer over two InfluxDB servers', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('balances over both, carries on with one when the other is SIGKILLed, and loses nothing acknowledged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-failover-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const ports = [await freePort(), await freePort()];
    const servers: LocalInfluxd[] = [];
    for (const [index, port] of ports.entries()) {
      servers[index] = await startLocalInfluxd({ dataDir: join(dir, `influxd-${index}`), port });
      // Whichever server holds the place at the end (the restarted one included) is stopped.
      cleanup.push(() => servers[index]!.stop());
    }
    const urls = servers.map((server) => server.url);
    const changes: string[] = [];
    const client = createInfluxClient({ url: urls[0]!, urls, database, endpointRetryMs: 300, requestTimeoutMs: 5_000, onEndpointChange: (url, healthy) => changes.push(`${url} ${healthy ? 'up' : 'down'}`) });
    await client.ensureDatabase('INF');
    const writer = createInfluxWriter({
      client, concurrency: 2, metrics: createMetrics(), log: createLogger('silent'),
      retry: { baseDelayMs: 50, maxDelayMs: 500 },
      onRejected: (batch, error) => { throw new Error(`refused ${batch.length}: ${error.message}`); },
    });
    cleanup.push(() => writer.close());

    const base = Date.now() - 3_600_000;
    const acknowledged: number[] = [];
    const writeBatches = async (from: number, count: number) => {
      for (let b = from; b < from + count; b += 1) {
        const times = Array.from({ length: 20 }, (_, i) => base + b * 20 + i);
        await writer.enqueue(times.map((t) => ({ line: `m,run=failover v=${t % 1000}i ${t}` })));
        acknowledged.push(...times);
      }
    };
    await writeBatches(0, 40);
    // Balanced: both servers took a share.
    const [early0, early1] = [await timesOn(urls[0]!), await timesOn(urls[1]!)];
    expect(early0.length).toBeGreaterThan(0);
    expect(early1.length).toBeGreaterThan(0);

    process.kill(servers[0]!.pid, 'SIGKILL');
    await servers[0]!.stop();
    await writeBatches(40, 60);
    expect(client.healthyEndpoints?.()).toEqual([urls[1]]);
    expect(changes).toContain(`${urls[0]} down`);

    // The killed server comes back from its own data folder: what it acknowledged is there.
    servers[0] = await startLocalInfluxd({ dataDir: join(dir, 'influxd-0'), port: ports[0] });
    const union = new Set([...(await timesOn(urls[0]!)), ...(await timesOn(urls[1]!))]);
    expect(acknowledged.length).toBe(2_000);
    expect(acknowledged.filter((t) => !union.has(t))).toEqual([]);
    expect(union.size).toBe(acknowledged.length);
    // ...and rejoins the rotation once its health check answers.
    let next = 100;
    await waitFor(async () => {
      await writeBatches(next++, 1);
      return client.healthyEndpoints?.().length === 2;
    }, 'the restarted server back in rotation', 10_000);
    expect(changes.at(-1)).toBe(`${urls[0]} up`);
  });
});
