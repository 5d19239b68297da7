import { parseArgs } from 'node:util';
import { createMetrics } from '../metrics/metrics.ts';
import { createRollupEngine } from '../rollups/rollup-engine.ts';
import { createInfluxClient } from '../storage/influx-client.ts';
import { commandContext, parseInstant } from './common.ts';

export const rollupHelp = `wanxiang rollup: recompute the rollups of a range from the raw points (idempotent)

Options:
  --from DATE         start, Beijing time unless a zone is given (required)
  --to DATE           end, exclusive (required)
  --influx-url URL    the InfluxDB (default INFLUX_URL)
`;

export async function rollupCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { from: { type: 'string' }, to: { type: 'string' }, 'influx-url': { type: 'string' } } });
  if (!values.from || !values.to) throw new Error(`--from and --to are required\n\n${rollupHelp}`);
  const context = await commandContext(values['influx-url'] ? { influx: { url: values['influx-url'] } } : {});
  if (!context.config.influx.url) throw new Error('set INFLUX_URL or --influx-url: rollups read and write an existing InfluxDB');
  const influx = createInfluxClient({ ...context.config.influx, url: context.config.influx.url });
  const engine = createRollupEngine({ influx, registry: context.registry, metrics: createMetrics(), log: context.log, concurrency: context.config.rollups.concurrency });
  const started = performance.now();
  const windows = await engine.recomputeRange(parseInstant(values.from), parseInstant(values.to));
  process.stdout.write(`rolled up ${windows.length} windows (family × day) in ${((performance.now() - started) / 1_000).toFixed(1)} s\n`);
}
