import { describe, expect, it } from 'vitest';
import { createAlarmEngine } from '../../../services/alarms/alarm-engine.ts';
import { loadAlarmRules } from '../../../services/alarms/load-rules.ts';
import { getFamily } from '../../../services/families/index.ts';
import { createLogger } from '../../../services/log.ts';
import { createDeviceRegistry, loadRegistryFile } from '../../../services/registry/device-registry.ts';
import { generateReading } from '../../../simulators/generate-reading.ts';

const seeds = new URL('../../../seeds/', import.meta.url).pathname;
const MINUTE = 60_000;

/**
 * Issue 25: the storm cell `npm start` stages (simulators/families/rain-cells.ts) through the seeded
 * rules, as the platform's alarm engine sees it: the warnings fire in order as the cell passes
 * west to east, depth rises at the low points, and the totals are believable for Shenzhen.
 */
describe('the staged summer rainstorm over Luohu', async () => {
  const registry = createDeviceRegistry(await loadRegistryFile(`${seeds}devices.json`));
  const rules = await loadAlarmRules(`${seeds}alarm-rules.json`);
  const gauges = registry.devices.filter((d) => d.family === 'waterlogging');
  // A December night: nothing but the staged cell can rain (the climatological cells are wet-season afternoons).
  const runStartMs = Date.parse('2026-12-06T02:40:00+08:00');
  const clock = { ms: runStartMs };
  const engine = createAlarmEngine({
    rules, registry, log: createLogger('silent'), now: () => clock.ms,
    context: { gridThresholds: { heavyPct: 80, overloadPct: 100 }, reportIntervalMs: (d) => getFamily(d.family).reportIntervalMs },
  });
  const opened: Array<{ rule: string; device: string; atMs: number }> = [];
  engine.onChange((change) => { if (change.kind === 'opened') opened.push({ rule: change.alarm.ruleId, device: change.alarm.deviceId, atMs: clock.ms }); });
  const rainTotal = new Map<string, number>();
  const maxDepth = new Map<string, number>();
  // The demo fleet's 5-s reports would take long here: one-minute reports, each its minute's rain.
  for (; clock.ms <= runStartMs + 4 * 60 * MINUTE; clock.ms += MINUTE) {
    for (const device of gauges) {
      const values = generateReading(2025, device, clock.ms, { intervalMs: MINUTE, runStartMs });
      if (values.rainfall !== undefined) rainTotal.set(device.id, (rainTotal.get(device.id) ?? 0) + values.rainfall);
      if (values.depth !== undefined) maxDepth.set(device.id, Math.max(maxDepth.get(device.id) ?? 0, values.depth));
      engine.observe({ family: device.family, deviceId: device.id, timeMs: clock.ms, receivedAtMs: clock.ms, values });
    }
  }
  const first = (rule: string, device: string) => opened.find((o) => o.rule === rule && o.device === device)?.atMs ?? null;

  it('rains a believable amount: over 100 mm on the track, under half of it at the edges', () => {
    const totals = [...rainTotal.values()];
    expect(Math.max(...totals)).toBeGreaterThan(100);
    expect(Math.max(...totals)).toBeLessThan(180);
    expect(Math.min(...totals)).toBeLessThan(60);
  });

  it('opens the rainfall warnings in order at each gauge: 20 mm in 1 h, then orange, then red', () => {
    const reds = opened.filter((o) => o.rule === 'rain-signal-red');
    expect(reds.length).toBeGreaterThan(0);
    for (const { device } of reds) {
      const [short, orange, red] = ['rain-1h-20mm', 'rain-signal-orange', 'rain-signal-red'].map((rule) => first(rule, device)!);
      expect(short).not.toBeNull();
      expect(short).toBeLessThanOrEqual(orange!);
      expect(orange).toBeLessThan(red!);
      // 50 mm in 3 h is also 50 mm in 6 and 12 h: yellow and blue open with orange.
      expect(first('rain-signal-yellow', device)).toBe(orange);
      expect(first('rain-signal-blue', device)).toBe(orange);
    }
  });

  it('passes west to east: 笋岗 hears it before 莲塘', () => {
    const west = first('rain-1h-20mm', 'waterlogging-rain-sungang');
    const east = first('rain-1h-20mm', 'waterlogging-rain-liantang');
    expect(west).not.toBeNull();
    expect(east).not.toBeNull();
    expect(west!).toBeLessThan(east!);
  });

  it('floods the low points: caution before impassable, and some stay passable', () => {
    const impassable = opened.filter((o) => o.rule === 'waterlogging-impassable');
    expect(impassable.length).toBeGreaterThan(0);
    for (const { device, atMs } of impassable) expect(first('waterlogging-caution', device)!).toBeLessThan(atMs);
    const depths = [...maxDepth.values()];
    expect(Math.max(...depths)).toBeLessThan(100);
    expect(depths.some((depth) => depth < 27)).toBe(true);
  });

  it('drains again after the cell: every depth back to 0 two hours after it ends', () => {
    const after = runStartMs + 4 * 60 * MINUTE;
    for (const device of gauges.filter((d) => d.attributes.gauge === 'depth')) expect(generateReading(2025, device, after, { intervalMs: MINUTE, runStartMs }).depth).toBe(0);
  });
});
