import { beforeAll, describe, expect, it } from 'vitest';
import { createAlarmEngine, type AlarmEngine } from '../../../services/alarms/alarm-engine.ts';
import type { AlarmChange } from '../../../services/alarms/alarm-types.ts';
import { loadAlarmRules } from '../../../services/alarms/load-rules.ts';
import type { AlarmRulesFile } from '../../../services/alarms/rule-schema.ts';
import { getFamily, type FamilyId } from '../../../services/families/index.ts';
import { createStuckDetector } from '../../../services/ingest/stuck-detector.ts';
import type { Reading } from '../../../services/ingest/reading.ts';
import { createLogger } from '../../../services/log.ts';
import { createMetrics } from '../../../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile, type DeviceRegistry } from '../../../services/registry/device-registry.ts';

const minute = 60_000;
const hour = 60 * minute;
// 2026-12-02 10:00 Beijing time (02:00 UTC): day, HJ 633-2026 and GB 3095-2026 in force.
const morning = Date.parse('2026-12-02T10:00:00+08:00');

let registry: DeviceRegistry;
let rules: AlarmRulesFile;

beforeAll(async () => {
  registry = createDeviceRegistry(await loadRegistryFile(new URL('../../../seeds/devices.json', import.meta.url).pathname));
  rules = await loadAlarmRules(new URL('../../../seeds/alarm-rules.json', import.meta.url).pathname);
});

interface Harness {
  engine: AlarmEngine;
  changes: AlarmChange[];
  clock: { ms: number };
  read(deviceId: string, values: Record<string, number>, at?: number): void;
}

/** An engine on an injected clock, with the ingest's real stuck detector feeding it. */
function harness(onlyRules?: string[]): Harness {
  const clock = { ms: morning };
  const stuck = createStuckDetector(5, createMetrics());
  const selected = onlyRules ? { ...rules, rules: rules.rules.filter((rule) => onlyRules.includes(rule.id)) } : rules;
  const engine = createAlarmEngine({
    rules: selected, registry, log: createLogger('silent'), now: () => clock.ms,
    context: { gridThresholds: { heavyPct: 80, overloadPct: 100 }, reportIntervalMs: (device) => getFamily(device.family).reportIntervalMs, stuck },
  });
  const changes: AlarmChange[] = [];
  engine.onChange((change) => changes.push(change));
  return {
    engine, changes, clock,
    read(deviceId, values, at = clock.ms) {
      const family = registry.device(deviceId)!.family as FamilyId;
      const reading: Reading = { family, deviceId, timeMs: at, receivedAtMs: clock.ms, values };
      stuck.check(reading);
      engine.observe(reading);
    },
  };
}

describe('the alarm engine', () => {
  it('opens on one reading, is acknowledged, refuses a bad transition and closes after its hold time', async () => {
    const { engine, changes, clock, read } = harness(['air-aqi-realtime']);
    await engine.start();
    read('air-guiyuan', { pm25: 250 });
    expect(changes.map((change) => change.kind)).toEqual(['opened']);
    const [alarm] = engine.list({ state: 'open' });
    expect(alarm).toMatchObject({ ruleId: 'air-aqi-realtime', deviceId: 'air-guiyuan', family: 'air', value: 300, limit: 150, state: 'open' });
    expect(alarm!.textZh).toContain('桂园空气质量监测站实时AQI为300');
    expect(alarm!.textEn).toContain('real-time AQI 300 (heavily polluted), above 150');
    expect(alarm!.textZh).toContain('实时AQI为300（重度污染），高于150');

    clock.ms += minute;
    const acked = engine.acknowledge(alarm!.id, 'zhang', 'looking');
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'zhang', acknowledgedAtMs: clock.ms, notes: [{ by: 'zhang', text: 'looking' }] });
    expect(() => engine.acknowledge(alarm!.id, 'zhang', 'again')).toThrow(expect.objectContaining({ code: 'WX_ERR_ALARM_STATE' }));
    expect(() => engine.acknowledge('nope', 'zhang', '')).toThrow(expect.objectContaining({ code: 'WX_ERR_ALARM_NOT_FOUND' }));

    read('air-guiyuan', { pm25: 10 });
    clock.ms += 29 * minute;
    read('air-guiyuan', { pm25: 10 });
    expect(engine.get(alarm!.id)!.state).toBe('acknowledged');
    clock.ms += minute;
    read('air-guiyuan', { pm25: 11 });
    expect(engine.get(alarm!.id)).toMatchObject({ state: 'closed', closedAtMs: clock.ms });
    expect(changes.map((change) => change.kind)).toEqual(['opened', 'acknowledged', 'closed']);
    expect(() => engine.closeAlarm(alarm!.id, 'zhang', '')).toThrow(expect.objectContaining({ code: 'WX_ERR_ALARM_STATE' }));
    await engine.close();
  });

  it('opens one alarm for a sensor flapping 100 times, and none before its debounce', async () => {
    const { engine, changes, clock, read } = harness(['air-aqi-realtime', 'noise-4a-night']);
    for (let i = 0; i < 100; i += 1) {
      read('air-guiyuan', { pm25: i % 2 === 0 ? 250 : 10 });
      clock.ms += 1_000;
    }
    expect(changes.filter((change) => change.kind === 'opened')).toHaveLength(1);
    expect(engine.list()).toHaveLength(1);

    // noise-4a-night has a debounce of 3: two readings over the night limit open nothing.
    const night = Date.parse('2026-12-02T23:30:00+08:00');
    clock.ms = night;
    read('noise-buxin-road-1', { leq: 60 });
    read('noise-buxin-road-1', { leq: 61 });
    read('noise-buxin-road-1', { leq: 50 });
    read('noise-buxin-road-1', { leq: 60 });
    read('noise-buxin-road-1', { leq: 60 });
    expect(engine.list({ state: 'open' }).filter((alarm) => alarm.ruleId === 'noise-4a-night')).toHaveLength(0);
    read('noise-buxin-road-1', { leq: 60.4 });
    expect(engine.list({ state: 'open' }).find((alarm) => alarm.ruleId === 'noise-4a-night')).toMatchObject({ value: 60.4, limit: 55 });
    // By day the 4a road's 60 dB(A) is inside its limit: the condition is clear.
    clock.ms = Date.parse('2026-12-03T09:00:00+08:00');
    read('noise-buxin-road-1', { leq: 60 });
    clock.ms += 30 * minute;
    engine.sweep();
    expect(engine.list({ state: 'open' }).filter((alarm) => alarm.ruleId === 'noise-4a-night')).toHaveLength(0);
  });

  it('closes itself at a sweep once the condition has been clear for the hold time, with no further reading', async () => {
    const { engine, clock, read } = harness(['air-aqi-realtime']);
    read('air-guiyuan', { pm25: 250 });
    read('air-guiyuan', { pm25: 20 });
    clock.ms += 30 * minute - 1;
    engine.sweep();
    expect(engine.list({ state: 'open' })).toHaveLength(1);
    clock.ms += 1;
    engine.sweep();
    expect(engine.list({ state: 'open' })).toHaveLength(0);
    expect(engine.list({ state: 'closed' })).toHaveLength(1);
    // A new trip after closing is a new alarm.
    read('air-guiyuan', { pm25: 250 });
    expect(engine.list()).toHaveLength(2);
  });

  it('finds devices silent for 3 report intervals, and closes the alarm when one reports again', async () => {
    const { engine, changes, clock, read } = harness(['device-silent']);
    await engine.start();
    clock.ms += 3 * minute - 1;
    engine.sweep();
    expect(changes).toHaveLength(0);
    read('air-guiyuan', { pm25: 12 });
    clock.ms += 1;
    engine.sweep();
    const silentAir = engine.list({ state: 'open' }).filter((alarm) => alarm.family === 'air');
    // Air reports every minute: every station but the one that just reported is silent.
    expect(silentAir.map((alarm) => alarm.deviceId)).not.toContain('air-guiyuan');
    expect(silentAir.length).toBe(registry.devices.filter((device) => device.family === 'air').length - 1);
    // Only families that report every minute (air, VOC) are silent after three minutes.
    expect(engine.list({ state: 'open' }).every((alarm) => getFamily(alarm.family as FamilyId).reportIntervalMs === minute)).toBe(true);
    const other = silentAir[0]!;
    expect(other).toMatchObject({ value: 3, limit: 3 });
    read(other.deviceId, { pm25: 12 });
    expect(engine.get(other.id)!.state).toBe('closed');
    // Sweeping again does not reopen or re-announce the others.
    const count = changes.length;
    engine.sweep();
    expect(changes.length).toBe(count);
    // A device disabled in the registry is silent on purpose: its alarm closes at the next sweep.
    const disabled = silentAir[1]!;
    const file = { ...registry.file, devices: registry.devices.map((device) => (device.id === disabled.deviceId ? { ...device, disabled: true } : device)) };
    const original = registry.file;
    registry.replace(file);
    try {
      engine.sweep();
      expect(engine.get(disabled.id)).toMatchObject({ state: 'closed', notes: [{ by: 'system', text: 'device disabled' }] });
    } finally {
      registry.replace(original);
    }
  });

  it('flags a stuck sensor through the ingest detector', () => {
    const { engine, read } = harness(['sensor-stuck']);
    for (let i = 0; i < 4; i += 1) read('parking-people-hospital', { totalSpaces: 420, occupiedSpaces: 300 });
    expect(engine.list()).toHaveLength(0);
    read('parking-people-hospital', { totalSpaces: 420, occupiedSpaces: 300 });
    expect(engine.list({ state: 'open' })[0]).toMatchObject({ ruleId: 'sensor-stuck', value: 5, limit: 5 });
  });

  it('judges grid load runs: heavy for 2 h, overload for 8 points', () => {
    const { engine, clock, read } = harness(['grid-heavy-2h', 'grid-overload']);
    // grid-buxin-t1 is rated 630 kVA: 567 kW at pf 1 is 90 %, 680 kW is 108 %.
    for (let i = 0; i < 8; i += 1) {
      read('grid-buxin-t1', { activePower: 567 });
      clock.ms += 15 * minute;
    }
    expect(engine.list()).toHaveLength(0);
    read('grid-buxin-t1', { activePower: 567 });
    expect(engine.list({ state: 'open' }).map((alarm) => alarm.ruleId)).toEqual(['grid-heavy-2h']);
    for (let i = 0; i < 7; i += 1) read('grid-buxin-t1', { activePower: 680 }, (clock.ms += 15 * minute));
    expect(engine.list().map((alarm) => alarm.ruleId)).toEqual(['grid-heavy-2h']);
    read('grid-buxin-t1', { activePower: 680 }, (clock.ms += 15 * minute));
    expect(engine.list({ state: 'open' }).find((alarm) => alarm.ruleId === 'grid-overload')).toMatchObject({ severity: 'critical', limit: 100 });
  });

  it('judges a river section against its target class, with the classes in the text', () => {
    const { engine, clock, read } = harness(['water-below-target']);
    // 深圳河河口's target is IV; NH3-N 1.8 mg/L is Class V.
    for (let i = 0; i < 3; i += 1) read('water-shenzhen-river-mouth', { nh3n: 1.8, do: 5 }, (clock.ms += hour));
    const [alarm] = engine.list({ state: 'open' });
    expect(alarm).toMatchObject({ value: 5, limit: 4 });
    expect(alarm!.textZh).toContain('水质V类，劣于目标IV类');
  });

  it('judges the hour-so-far PM2.5, the day-so-far AQI and a full car park', () => {
    const { engine, clock, read } = harness(['air-pm25-hour', 'air-aqi-day', 'parking-full-1h']);
    for (let i = 0; i < 3; i += 1) read('air-huangbei', { pm25: 80 }, (clock.ms += minute));
    const open = () => engine.list({ state: 'open' });
    // The day's AQI waits for readings in 4 hours of the day.
    expect(open().some((alarm) => alarm.ruleId === 'air-aqi-day')).toBe(false);
    for (let i = 0; i < 3; i += 1) read('air-huangbei', { pm25: 80 }, (clock.ms += hour));
    // GB 3095-2026 transition: the PM2.5 24-h Grade II limit is 60 µg/m³; PM2.5 80 is a day AQI of 119 (HJ 633-2026 breakpoints).
    expect(open().find((alarm) => alarm.ruleId === 'air-pm25-hour')).toMatchObject({ value: 80, limit: 60 });
    expect(open().find((alarm) => alarm.ruleId === 'air-aqi-day')).toMatchObject({ value: 119, limit: 100 });

    read('parking-people-hospital', { totalSpaces: 420, occupiedSpaces: 420 }, clock.ms);
    read('parking-people-hospital', { totalSpaces: 420, occupiedSpaces: 420 }, (clock.ms += 59 * minute));
    expect(open().some((alarm) => alarm.ruleId === 'parking-full-1h')).toBe(false);
    read('parking-people-hospital', { totalSpaces: 420, occupiedSpaces: 420 }, (clock.ms += minute));
    expect(open().find((alarm) => alarm.ruleId === 'parking-full-1h')).toMatchObject({ value: 100, limit: 100 });
  });

  it('raises nothing from a backfilled old reading, which still counts as a sign of life', () => {
    const { engine, clock, read } = harness(['air-aqi-realtime', 'device-silent']);
    engine.sweep();
    clock.ms += minute;
    read('air-guiyuan', { pm25: 250 }, clock.ms - 2 * hour);
    expect(engine.list()).toHaveLength(0);
    clock.ms += 2 * minute;
    engine.sweep();
    const silent = engine.list().map((alarm) => alarm.deviceId);
    expect(silent).toContain('air-huangbei');
    expect(silent).not.toContain('air-guiyuan');
  });

  it('updates an open alarm only for a clearly worse value, at most every 5 minutes', () => {
    const { changes, clock, read } = harness(['air-aqi-realtime']);
    read('air-guiyuan', { pm25: 200 });
    for (let i = 0; i < 50; i += 1) read('air-guiyuan', { pm25: 210 + i }, (clock.ms += 1_000));
    expect(changes.map((change) => change.kind)).toEqual(['opened']);
    clock.ms += 5 * minute;
    read('air-guiyuan', { pm25: 400 });
    expect(changes.map((change) => change.kind)).toEqual(['opened', 'updated']);
    expect(changes[1]!.alarm.value).toBe(434);
  });
});
