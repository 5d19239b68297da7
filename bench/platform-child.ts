/**
 * The platform under test, in a process of its own (bench/ingest-throughput.ts forks it,
 * with `node --cpu-prof` when BENCH_PROFILE is set): starts from the configuration it is
 * sent, answers stats requests with its CPU time, RSS and readings written, closes on request.
 */
import '../services/quiet-debug.ts'; // as the commands' entry point does, first
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { parseConfig, type ConfigInput } from '../services/config.ts';
import { createLogger } from '../services/log.ts';
import { createPlatform, type PlatformEndpoints } from '../services/platform.ts';
import { startAllocationProfile } from './lib/allocation-profile.ts';
import { threadCpuUs } from './lib/children.ts';

/** `gc` (with node --expose-gc) collects garbage first, so that RSS shows what is held. */
export type PlatformRequest = { type: 'stats'; gc?: boolean } | { type: 'close' };
export type PlatformReply =
  | { type: 'started'; endpoints: PlatformEndpoints }
  | { type: 'stats'; cpuUserUs: number; cpuSystemUs: number; rssBytes: number; written: number; rejected: number; spooled: number; writes: number; mainThreadCpuUs: number; gcMs: number; activeMs: number }
  | { type: 'closed' };

const reply = (message: PlatformReply) => process.send!(message);

// Time in garbage collection on this (the broker's) thread, for GC's share of the CPU (issue 26, item 3).
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

process.once('message', async (input: ConfigInput) => {
  // BENCH_ALLOC_PROFILE: where the garbage comes from (GC is a quarter of the samples).
  const allocations = process.env.BENCH_ALLOC_PROFILE ? await startAllocationProfile() : undefined;
  const config = parseConfig(input);
  const platform = createPlatform(config, createLogger(config.logLevel));
  reply({ type: 'started', endpoints: await platform.start() });
  process.on('message', async (request: PlatformRequest) => {
    if (request.type === 'stats') {
      if (request.gc) (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      const sum = async (metric: { get(): Promise<{ values: Array<{ value: number }> }> }) => (await metric.get()).values.reduce((total, value) => total + value.value, 0);
      reply({
        type: 'stats',
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        rssBytes: process.memoryUsage().rss,
        written: await sum(platform.metrics.readingsWritten),
        rejected: await sum(platform.metrics.readingsRejected),
        spooled: platform.ingest.spool.unacknowledgedRecords,
        // InfluxDB writes so far: the count of the batch-size histogram.
        gcMs,
        activeMs: performance.eventLoopUtilization().active,
        writes: (await platform.metrics.batchSize.get()).values.find((value) => value.metricName === 'wanxiang_write_batch_readings_count')?.value ?? 0,
        // The JavaScript thread alone (the rest of cpuUserUs + cpuSystemUs is libuv's pool: fsync, DNS, crypto; and V8's helpers).
        mainThreadCpuUs: threadCpuUs(process.pid, process.pid),
      });
    } else {
      await platform.close();
      await allocations?.stop('bench-profiles');
      reply({ type: 'closed' });
      process.disconnect();
    }
  });
});

// The bench gone (crashed, interrupted): nothing of it may stay running.
process.once('disconnect', () => setTimeout(() => process.exit(0), 2_000).unref());
