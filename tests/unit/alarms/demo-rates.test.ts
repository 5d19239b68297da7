import { describe, expect, it } from 'vitest';
import { createAlarmEngine } from '../../../services/alarms/alarm-engine.ts';
import { loadAlarmRules } from '../../../services/alarms/load-rules.ts';
import { parseConfig } from '../../../services/config.ts';
import { getFamily } from '../../../services/families/index.ts';
import { createStuckDetector } from '../../../services/ingest/stuck-detector.ts';
import { createLogger } from '../../../services/log.ts';
import { createMetrics } from '../../../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile } from '../../../services/registry/device-registry.ts';
import { generateReading } from '../../../simulators/generate-reading.ts';

/**
 * The demo must show some alarms but not a wall of them: the seeded rules over one simulated
 * day of the whole district (the demo fleet's seed and values, every minute) open a handful.
 */
describe('the alarm rules over the simulated district', () => {
  it('open a few alarms in a December day, and none for silence or stuck sensors', async () => {
    const config = parseConfig({});
    const registry = createDeviceRegistry(await loadRegistryFile(new URL('../../../seeds/devices.json', import.meta.url).pathname));
    const rules = await loadAlarmRules(new URL('../../../seeds/alarm-rules.json', import.meta.url).pathname);
    const start = Date.parse('2026-12-02T00:00:00+08:00');
    const clock = { ms: start };
    const stuck = createStuckDetector(config.ingest.stuckAfter, createMetrics());
    const engine = createAlarmEngine({
      rules, registry, log: createLogger('silent'), now: () => clock.ms,
      context: { gridThresholds: { heavyPct: config.rollups.heavyLoadPct, overloadPct: config.rollups.overloadPct }, reportIntervalMs: (device) => getFamily(device.family).reportIntervalMs, stuck },
    });
    const opened: string[] = [];
    engine.onChange((change) => {
      if (change.kind === 'opened') opened.push(change.alarm.ruleId);
    });
    for (; clock.ms < start + 86_400_000; clock.ms += 60_000) {
      for (const device of registry.devices) {
        const reading = { family: device.family, deviceId: device.id, timeMs: clock.ms, receivedAtMs: clock.ms, values: generateReading(config.simulate.seed, device, clock.ms) };
        stuck.check(reading);
        engine.observe(reading);
      }
      if (clock.ms % 300_000 === 0) engine.sweep();
    }
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.length).toBeLessThanOrEqual(15);
    expect(opened.filter((rule) => rule === 'device-silent' || rule === 'sensor-stuck')).toEqual([]);
  });
});
