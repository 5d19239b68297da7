import { describe, expect, it } from 'vitest';
import { WanxiangError } from '../../services/errors.ts';
import { createLogger } from '../../services/log.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createRollupEngine, type RollupWindow } from '../../services/rollups/rollup-engine.ts';
import type { InfluxClient } from '../../services/storage/influx-client.ts';

describe('rollup failures are told, not swallowed (issue 13, item 7)', () => {
  it('reports every window that failed, with its error, to onWindowFailed', async () => {
    const refused = new WanxiangError('WX_ERR_INFLUX_REJECTED', 'retention policy not found: wanxiang_raw');
    // Our own interface, faked: the rollup schema check finds nothing, every raw read is refused.
    const influx = {
      query: async (query: string) => (query.includes('GROUP BY "device"') ? Promise.reject(refused) : []),
      write: async () => undefined,
    } as unknown as InfluxClient;
    const failed: Array<{ window: RollupWindow; error: unknown }> = [];
    const engine = createRollupEngine({
      influx,
      registry: createDeviceRegistry(await loadRegistryFile('seeds/devices.json')),
      metrics: createMetrics(),
      log: createLogger('silent'),
      onWindowFailed: (window, error) => failed.push({ window, error }),
    });
    const windows = await engine.recomputeRange(Date.parse('2026-12-02T00:00:00+08:00'), Date.parse('2026-12-03T00:00:00+08:00'));
    // Every family with a rollup: the built-in ones and those whose modules declare one (issue 25).
    expect(windows).toHaveLength(7);
    expect(failed.map(({ window }) => window.family).sort()).toEqual(['air', 'ev_charging', 'grid', 'noise', 'parking', 'water', 'waterlogging']);
    expect(failed.every(({ error }) => error === refused)).toBe(true);
  });

  it('refuses the whole run when InfluxDB refuses the rollup schema check', async () => {
    const refused = new WanxiangError('WX_ERR_INFLUX_REJECTED', 'database not found: wanxiang');
    const influx = { query: async () => Promise.reject(refused), write: async () => undefined } as unknown as InfluxClient;
    const engine = createRollupEngine({
      influx, registry: createDeviceRegistry(await loadRegistryFile('seeds/devices.json')), metrics: createMetrics(), log: createLogger('silent'),
    });
    await expect(engine.recomputeRange(Date.parse('2026-12-02T00:00:00+08:00'), Date.parse('2026-12-03T00:00:00+08:00'))).rejects.toBe(refused);
  });
});
