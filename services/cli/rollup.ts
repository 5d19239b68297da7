import { WanxiangError, isWanxiangError } from '../errors.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { createRollupEngine, type RollupWindow } from '../rollups/rollup-engine.ts';
import { createInfluxClient } from '../storage/influx-client.ts';
import { commandContext, shared } from './common.ts';
import { asCoded } from './failure.ts';
import { locateInflux } from './locate.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';

const spec = {
  name: 'rollup',
  summary: 'recompute the rollups of a range from the raw points (idempotent)',
  description: `Finds the running platform's InfluxDB in the data folder (runtime.json) unless --influx-url
or INFLUX_URL names one. Exits 1 with WX_ERR_ROLLUP_FAILED when any window could not be
recomputed or written.`,
  options: {
    from: shared.date('start').require(),
    to: shared.date('end, exclusive').require(),
    'influx-url': option.url('URL', 'the InfluxDB (default INFLUX_URL, else the running platform\'s)', ['http:', 'https:']),
    'data-dir': shared.dataDir(),
  },
};

export const rollupHelp = helpText(spec);

export async function rollupCommand(argv: string[]): Promise<void> {
  const { options } = parseCommand(spec, argv);
  if (options.to <= options.from) throw new UsageError('--to must come after --from', rollupHelp);
  if (options.to - options.from > 20 * 366 * 86_400_000) throw new UsageError('--from to --to spans more than 20 years', rollupHelp);
  const context = await commandContext(options['data-dir'] ? { dataDir: options['data-dir'] } : {}, 'rollup');
  const located = await locateInflux(options['influx-url'], context.config.influx.url, context.config.dataDir);
  const database = located.database ?? context.config.influx.database;
  const influx = createInfluxClient({ ...context.config.influx, database, url: located.url });
  await checkDatabase(influx, located.url, located.source, database, context.config.influx.retentionPolicy);
  const failures: Array<{ window: RollupWindow; error: unknown }> = [];
  const engine = createRollupEngine({
    influx,
    registry: context.registry,
    metrics: createMetrics(),
    log: context.log,
    concurrency: context.config.rollups.concurrency,
    onWindowFailed: (window, error) => failures.push({ window, error }),
  });
  const started = performance.now();
  const windows = await engine.recomputeRange(options.from, options.to);
  if (failures.length > 0) {
    const first = asCoded(failures[0]!.error);
    throw new WanxiangError('WX_ERR_ROLLUP_FAILED', `${failures.length} of ${windows.length} windows (family × day) failed in ${located.url}; the first: ${first.code}: ${first.message.split('\n')[0]}`);
  }
  process.stdout.write(`rolled up ${windows.length} windows (family × day) in ${((performance.now() - started) / 1_000).toFixed(1)} s\n`);
}

/** Refuses at once when InfluxDB is unreachable or lacks the database or raw retention policy, instead of failing every window. */
async function checkDatabase(influx: ReturnType<typeof createInfluxClient>, url: string, source: string, database: string, retentionPolicy: string): Promise<void> {
  try {
    await influx.ping();
  } catch (error) {
    if (isWanxiangError(error) && error.code === 'WX_ERR_NOT_INFLUXDB') throw error; // it answered: the server is the mistake
    throw new WanxiangError('WX_ERR_CONNECTION', `cannot reach InfluxDB at ${url} (from ${source}): ${isWanxiangError(error) ? error.message : String(error)}`, { cause: error });
  }
  let policies: string[];
  try {
    const series = await influx.query(`SHOW RETENTION POLICIES ON "${database}"`, { database: null });
    policies = (series[0]?.values ?? []).map((row) => String(row[0]));
  } catch (error) {
    throw new WanxiangError('WX_ERR_ROLLUP_FAILED', `InfluxDB at ${url} (from ${source}) has no database "${database}": ${(error as Error).message}`, { cause: error });
  }
  if (!policies.includes(retentionPolicy)) {
    throw new WanxiangError('WX_ERR_ROLLUP_FAILED', `database "${database}" at ${url} has no retention policy "${retentionPolicy}" (it has ${policies.join(', ') || 'none'}): start the platform against it once, which creates it`);
  }
}
