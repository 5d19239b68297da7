import { describe, expect, it } from 'vitest';
import { createEvaluator } from '../../../services/alarms/conditions/index.ts';
import { parseAlarmRules } from '../../../services/alarms/load-rules.ts';
import type { AlarmCondition } from '../../../services/alarms/rule-schema.ts';
import type { FamilyId } from '../../../services/families/index.ts';
import type { DeviceRecord } from '../../../services/registry/registry-schema.ts';

const context = { gridThresholds: { heavyPct: 80, overloadPct: 100 }, reportIntervalMs: () => 60_000 };
const device = (id: string, family: FamilyId, street = 'dongmen', attributes: Record<string, unknown> = {}): DeviceRecord =>
  ({ id, family, site: id, siteName: id, street, lat: 22.55, lon: 114.12, secretHash: 'sha256$x', attributes }) as DeviceRecord;
const reading = (d: DeviceRecord, timeMs: number, values: Record<string, number>) => ({ family: d.family, deviceId: d.id, timeMs, receivedAtMs: timeMs, values });
const HOUR = 3_600_000;

/** Issue 25, item 3: rule kinds that name a field of the rule's family, so a new family's rules are data only. */
describe('generic alarm conditions', () => {
  it('window-sum adds a field over a trailing window, drops what left it, and ignores replays', () => {
    const gauge = device('rain-1', 'waterlogging');
    const evaluator = createEvaluator({ kind: 'window-sum', field: 'rainfall', windowMs: 3 * HOUR, atLeast: 50 }, context);
    const t0 = Date.parse('2026-07-01T06:00:00Z');
    expect(evaluator.observe(reading(gauge, t0, { rainfall: 30 }), gauge)).toEqual({ active: false, value: 30, limit: 50 });
    expect(evaluator.observe(reading(gauge, t0 + HOUR, { rainfall: 20.2 }), gauge)).toEqual({ active: true, value: 50.2, limit: 50 });
    // A replay of an older reading adds nothing; a reading without the field says nothing.
    expect(evaluator.observe(reading(gauge, t0 + HOUR, { rainfall: 20.2 }), gauge)).toBeNull();
    expect(evaluator.observe(reading(gauge, t0 + 2 * HOUR, { battery: 12.8 }), gauge)).toBeNull();
    // Exactly three hours after the first reading it has left the window.
    expect(evaluator.observe(reading(gauge, t0 + 3 * HOUR, { rainfall: 0 }), gauge)).toEqual({ active: false, value: 20.2, limit: 50 });
  });

  it('window-sum counts a reading stamped ahead at its receipt: the readings after it count, its repeat does not', () => {
    const gauge = device('rain-3', 'waterlogging');
    const evaluator = createEvaluator({ kind: 'window-sum', field: 'rainfall', windowMs: HOUR, atLeast: 20 }, context);
    const t0 = Date.parse('2026-07-01T06:00:00Z');
    const ahead = { ...reading(gauge, t0 + 4 * 60_000, { rainfall: 5 }), receivedAtMs: t0 };
    expect(evaluator.observe(ahead, gauge)).toEqual({ active: false, value: 5, limit: 20 });
    // Its QoS 1 repeat, received a second later, is the same reading.
    expect(evaluator.observe({ ...ahead, receivedAtMs: t0 + 1_000 }, gauge)).toBeNull();
    expect(evaluator.observe(reading(gauge, t0 + 5_000, { rainfall: 8 }), gauge)).toEqual({ active: false, value: 13, limit: 20 });
    expect(evaluator.observe(reading(gauge, t0 + 10_000, { rainfall: 9 }), gauge)).toEqual({ active: true, value: 22, limit: 20 });
    // A replay of an older reading still adds nothing.
    expect(evaluator.observe(reading(gauge, t0 + 5_000, { rainfall: 8 }), gauge)).toBeNull();
  });

  it('window-sum keeps decimals exact over thousands of readings', () => {
    const gauge = device('rain-2', 'waterlogging');
    const evaluator = createEvaluator({ kind: 'window-sum', field: 'rainfall', windowMs: HOUR, atLeast: 20 }, context);
    let verdict = null;
    for (let i = 0; i < 5_000; i += 1) verdict = evaluator.observe(reading(gauge, i * 5_000, { rainfall: 0.1 }), gauge);
    // An hour of 5-s readings of 0.1 mm: 720 of them.
    expect(verdict).toEqual({ active: true, value: 72, limit: 20 });
  });

  it('field-above takes the level from the device record, else the rule\'s number', () => {
    const condition: AlarmCondition = { kind: 'field-above', field: 'depth', atLeast: 27, atLeastAttribute: 'impassableCm' };
    const evaluator = createEvaluator(condition, context);
    const own = device('point-1', 'waterlogging', 'dongmen', { impassableCm: 20 });
    const plain = device('point-2', 'waterlogging');
    expect(evaluator.observe(reading(own, 1, { depth: 21 }), own)).toEqual({ active: true, value: 21, limit: 20 });
    expect(evaluator.observe(reading(plain, 1, { depth: 21 }), plain)).toEqual({ active: false, value: 21, limit: 27 });
    expect(evaluator.observe(reading(plain, 2, { rainfall: 3 }), plain)).toBeNull();
  });

  it('field-is matches a coded value by name and writes the name into the alarm text', () => {
    const evaluator = createEvaluator({ kind: 'field-is', field: 'state', is: ['fault'] }, context);
    const charger = device('ev-1', 'ev_charging');
    expect(evaluator.observe(reading(charger, 1, { state: 2, power: 0 }), charger)).toMatchObject({ active: true, value: 2 });
    expect(evaluator.observe(reading(charger, 2, { state: 1, power: 7 }), charger)).toMatchObject({ active: false, value: 1 });
    // In the text's language from the family's presentation (wall2: the Chinese text read "fault").
    expect(evaluator.format?.(2, 'zh')).toBe('故障');
    expect(evaluator.format?.(2, 'en')).toBe('Fault');
  });

  it('street-share judges a street once all its devices are heard, on its first device by id', () => {
    const evaluator = createEvaluator({ kind: 'street-share', field: 'state', is: ['idle'], belowPct: 30, minDevices: 3 }, context);
    const chargers = ['ev-c', 'ev-a', 'ev-b'].map((id) => device(id, 'ev_charging', 'dongmen'));
    const elsewhere = [device('ev-x', 'ev_charging', 'nanhu'), device('ev-y', 'ev_charging', 'nanhu')];
    const all = [...chargers, ...elsewhere];
    evaluator.observe(reading(chargers[0]!, 1, { state: 1 }), chargers[0]!);
    evaluator.observe(reading(chargers[1]!, 1, { state: 1 }), chargers[1]!);
    expect(evaluator.sweep?.(10, all)).toEqual([]);
    evaluator.observe(reading(chargers[2]!, 1, { state: 0 }), chargers[2]!);
    for (const d of elsewhere) evaluator.observe(reading(d, 1, { state: 1 }), d);
    // One free of three is 33.3 %: not below 30. Nanhu has two chargers, fewer than minDevices.
    expect(evaluator.sweep?.(10, all)).toEqual([{ device: chargers[1], verdict: { active: false, value: 33.3, limit: 30 } }]);
    evaluator.observe(reading(chargers[2]!, 2, { state: 2 }), chargers[2]!);
    expect(evaluator.sweep?.(20, all)).toEqual([{ device: chargers[1], verdict: { active: true, value: 0, limit: 30 } }]);
  });
});

describe('generic rules in the rules file', () => {
  const rule = (family: string, condition: unknown) => ({ version: 1, rules: [{ id: 'r', family, severity: 'info', textZh: '{value}', textEn: '{value}', condition, debounce: 1, holdMs: 0 }] });

  it('refuse a field the family does not have, a value its coded field does not have, and family any', () => {
    expect(() => parseAlarmRules(rule('waterlogging', { kind: 'window-sum', field: 'rain', windowMs: 1, atLeast: 1 }))).toThrow(/waterlogging has no field rain/);
    expect(() => parseAlarmRules(rule('ev_charging', { kind: 'field-is', field: 'state', is: ['broken'] }))).toThrow(/has no value\(s\) broken \(it has idle, charging, fault, offline\)/);
    expect(() => parseAlarmRules(rule('ev_charging', { kind: 'field-is', field: 'power', is: ['idle'] }))).toThrow(/not a coded field/);
    expect(() => parseAlarmRules(rule('any', { kind: 'field-above', field: 'depth', atLeast: 1 }))).toThrow(/names a field: give the family/);
    expect(() => parseAlarmRules(rule('waterlogging', { kind: 'field-above', field: 'depth' }))).toThrow(/atLeast/);
    expect(parseAlarmRules(rule('air', { kind: 'field-above', field: 'pm25', atLeast: 75 })).rules[0]!.family).toBe('air');
  });
});
