import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlarmEngine } from '../../../services/alarms/alarm-engine.ts';
import type { AlarmStore } from '../../../services/alarms/alarm-store.ts';
import type { Alarm, AlarmChange } from '../../../services/alarms/alarm-types.ts';
import { createHoldClock } from '../../../services/alarms/hold-clock.ts';
import { loadAlarmRules } from '../../../services/alarms/load-rules.ts';
import type { AlarmRulesFile } from '../../../services/alarms/rule-schema.ts';
import { getFamily } from '../../../services/families/index.ts';
import { createStuckDetector } from '../../../services/ingest/stuck-detector.ts';
import { createLogger } from '../../../services/log.ts';
import { createMetrics } from '../../../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile, type DeviceRegistry } from '../../../services/registry/device-registry.ts';

const minute = 60_000;
const morning = Date.parse('2026-12-02T10:00:00+08:00');
let registry: DeviceRegistry;
let rules: AlarmRulesFile;
let dir: string;

beforeAll(async () => {
  registry = createDeviceRegistry(await loadRegistryFile(new URL('../../../seeds/devices.json', import.meta.url).pathname));
  rules = await loadAlarmRules(new URL('../../../seeds/alarm-rules.json', import.meta.url).pathname);
  dir = await mkdtemp(join(tmpdir(), 'wanxiang-holds-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Our own history interface, in memory: what the InfluxDB store would restore after a restart. */
function memoryStore(): AlarmStore {
  const latest = new Map<string, Alarm>();
  return {
    record: (change: AlarmChange) => void latest.set(change.alarm.id, change.alarm),
    restore: async () => [...latest.values()],
    persisted: async () => undefined,
    drain: async () => undefined,
    close: async () => undefined,
  };
}

/** Issue 21: an alarm whose condition cleared closed 37 min after opening instead of 30, its hold time restarted by a restart. */
describe('alarm hold times across a restart', () => {
  it('closes the hold time after the condition cleared, not after the restart', async () => {
    const clock = { ms: morning };
    const store = memoryStore();
    const path = join(dir, 'hold-times.json');
    const engineOn = () => createAlarmEngine({
      rules: { ...rules, rules: rules.rules.filter((rule) => rule.id === 'air-aqi-realtime') }, registry, log: createLogger('silent'), now: () => clock.ms, store,
      holds: createHoldClock({ path, log: createLogger('silent') }),
      context: { gridThresholds: { heavyPct: 80, overloadPct: 100 }, reportIntervalMs: (device) => getFamily(device.family).reportIntervalMs, stuck: createStuckDetector(5, createMetrics()) },
    });
    const read = (engine: ReturnType<typeof engineOn>, pm25: number) => engine.observe({ family: 'air', deviceId: 'air-guiyuan', timeMs: clock.ms, receivedAtMs: clock.ms, values: { pm25 } });

    const first = engineOn();
    await first.start();
    read(first, 250);
    const [opened] = first.list({ state: 'open' });
    expect(opened).toBeDefined();
    clock.ms += 5 * minute;
    read(first, 10);
    await first.close();

    // The platform is back 20 min later: the hold time (30 min) runs from the clearing, 5 min in.
    clock.ms += 20 * minute;
    const second = engineOn();
    await second.start();
    expect(second.get(opened!.id)?.state).toBe('open');
    clock.ms += 11 * minute;
    second.sweep();
    const closed = second.get(opened!.id)!;
    expect(closed.state).toBe('closed');
    expect(closed.closedAtMs! - opened!.openedAtMs).toBe(36 * minute);
    await second.close();
  });
});
