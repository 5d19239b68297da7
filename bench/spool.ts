/**
 * npx tsx bench/spool.ts: appends BENCH_RECORDS records of ~200 bytes (default 100,000)
 * to a durable spool in a temp dir from many concurrent callers, each awaiting its
 * append (as ingest awaits it before the PUBACK), then reads and acks them all.
 * Prints appends/s and MB/s per caller count and fsync window, and reads/s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSpool, framedSize } from '../services/spool/index.ts';

const total = Number(process.env.BENCH_RECORDS ?? 100_000);
const runs = [
  { callers: 10, fsyncIntervalMs: 10 },
  { callers: 100, fsyncIntervalMs: 10 },
  { callers: 1_000, fsyncIntervalMs: 10 },
  { callers: 100, fsyncIntervalMs: 0 },
  { callers: 1_000, fsyncIntervalMs: 0 },
];

function record(n: number): string {
  const device = `air-${String(n % 1_000).padStart(4, '0')}`;
  return `#rx=${1_700_000_000_000 + n} topic=luohu/air/${device}/telemetry\nair_quality,device=${device},family=air,street=dongmen pm25_ugm3=${n % 500},pm10_ugm3=80,no2_ugm3=31,o3_ugm3=55,temp_c=21.5,rh_pct=48 ${1_700_000_000_000 + n}`;
}

const records = Array.from({ length: total }, (_, n) => record(n));
const megabytes = framedSize(records) / 1e6;

async function run(callers: number, fsyncIntervalMs: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wanxiang-spool-bench-'));
  try {
    const spool = createSpool({ dir, fsyncIntervalMs });
    await spool.open();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: callers }, async () => {
        for (let n = next++; n < total; n = next++) await spool.append([records[n]!]);
      }),
    );
    const appendS = (performance.now() - started) / 1_000;

    const readStarted = performance.now();
    let read = 0;
    for (let batch = await spool.read(5_000); batch; batch = await spool.read(5_000)) {
      read += batch.records.length;
      await batch.ack();
    }
    const readS = (performance.now() - readStarted) / 1_000;
    await spool.close();
    if (read !== total) throw new Error(`read ${read} of ${total} records`);
    const row = [callers, fsyncIntervalMs, (total / appendS).toFixed(0), (megabytes / appendS).toFixed(1), appendS.toFixed(2), (total / readS).toFixed(0)];
    console.log(row.map((cell) => String(cell).padStart(12)).join(''));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`${total} records, ${((megabytes / total) * 1e6).toFixed(0)} bytes each on disk, ${megabytes.toFixed(1)} MB in all`);
console.log(['callers', 'fsync ms', 'appends/s', 'MB/s', 'append s', 'reads/s'].map((cell) => cell.padStart(12)).join(''));
for (const { callers, fsyncIntervalMs } of runs) await run(callers, fsyncIntervalMs);
