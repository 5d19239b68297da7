import { describe, expect, it } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createRollupEngine } from '../../services/rollups/rollup-engine.ts';
import type { InfluxClient } from '../../services/storage/influx-client.ts';

/**
 * The marks a reading leaves for the next rollup run, now that a reading of a day already marked
 * marks nothing again (rollup-engine.ts markDirty): the same days are due as before, a reading
 * reaching past midnight still marks the next day, and a run's taking the marks starts afresh.
 */
describe('rollup marks: each reading’s days are due once a run, whatever was marked before', () => {
  const at = (text: string) => Date.parse(`${text}+08:00`);
  const dueDays = (windows: ReadonlyArray<{ family: string; day: number }>, family: string) => windows.filter((window) => window.family === family).map((window) => window.day).sort((a, b) => a - b);

  async function engine() {
    // Our own interface, faked: an InfluxDB with no rollups and no raw rows, that takes every write.
    const influx = { query: async () => [], write: async () => undefined } as unknown as InfluxClient;
    return createRollupEngine({ influx, registry: createDeviceRegistry(await loadRegistryFile('seeds/devices.json')), metrics: createMetrics(), log: createLogger('silent') });
  }

  it('many readings of one day mark that day and the days it reaches once; one near midnight marks the next day too', async () => {
    const rollups = await engine();
    for (let minute = 0; minute < 600; minute += 1) rollups.markDirty('grid', at('2026-12-02T00:00:00') + minute * 60_000);
    const once = dueDays(await rollups.runOnce(), 'grid');
    const reference = await engine();
    reference.markDirty('grid', at('2026-12-02T05:00:00'));
    expect(once).toEqual(dueDays(await reference.runOnce(), 'grid'));

    // After a reading of the day was marked, one at 23:50 reaches the next day's first quarter hour.
    rollups.markDirty('grid', at('2026-12-02T10:00:00'));
    rollups.markDirty('grid', at('2026-12-02T23:50:00'));
    const withNext = dueDays(await rollups.runOnce(), 'grid');
    expect(withNext).toEqual([...once, once.at(-1)! + 1]);

    // The run took the marks: the same day's reading marks it again.
    rollups.markDirty('grid', at('2026-12-02T11:00:00'));
    expect(dueDays(await rollups.runOnce(), 'grid')).toEqual(once);
    // Other families keep their own.
    rollups.markDirty('grid', at('2026-12-02T11:00:00'));
    rollups.markDirty('air', at('2026-12-02T11:00:00'));
    const both = await rollups.runOnce();
    expect(dueDays(both, 'grid')).toEqual(once);
    expect(dueDays(both, 'air').length).toBeGreaterThan(0);
  });
});
