import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm } from '../../services/alarms/alarm-types.ts';
import type { Platform } from '../../services/platform.ts';
import { closeRestartable, restartPlatform, type Restarted } from '../helpers/platform-restart.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** A device's registry id as it appears in a text (air-qingshuihe, grid-liyuan-t3, ev-dongmen-1). */
const deviceIdIn = /\b(air|water|grid|parking|noise|voc|wl|rain|ev)-[a-z0-9-]+/;

/**
 * The audit of issue 21 on alarm texts, on a running platform over MQTT and InfluxDB: a charger's
 * fault keeps its name after a restart (it read "充电桩状态：2"), an AQI alarm names the category its
 * value is in as the wall's chip does (not "AQI为500…（中度污染及以上）"), and Chinese texts name the
 * device by its registered name, never its id.
 */
describe('alarm texts name states, categories and places', () => {
  let test: TestPlatform | undefined;
  let restarted: Restarted | undefined;

  beforeAll(async () => {
    // Silence after 3 × 200 ms: a silent alarm opens without waiting minutes.
    test = await startTestPlatform({ alarms: { reportIntervalMs: 200, sweepIntervalMs: 50 } });
  });
  afterAll(async () => {
    await closeRestartable(test, restarted);
  });

  const openAlarm = async (platform: Platform, ruleId: string, deviceId: string): Promise<Alarm> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = platform.alarms.list({ state: 'open' }).find((alarm) => alarm.ruleId === ruleId && alarm.deviceId === deviceId);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no open ${ruleId} alarm for ${deviceId}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('an AQI alarm says the category its value is in, as the wall’s chip does', async () => {
    const station = await test!.connect(test!.device('air-huangbei'));
    await station.publishAsync(test!.topics.build('air', 'air-huangbei', 'telemetry'), JSON.stringify({ pm25: 500 }), { qos: 1 });
    const alarm = await openAlarm(test!.platform, 'air-aqi-realtime', 'air-huangbei');
    expect(alarm.value).toBeGreaterThan(300);
    expect(alarm.textZh).toContain('严重污染');
    expect(alarm.textZh).not.toContain('中度污染');
    expect(alarm.textEn).toContain('severely polluted');
    expect(alarm.textEn).not.toMatch(/moderately/);
  });

  it('a Chinese text names a silent device by its registered name, never its id', async () => {
    const alarm = await openAlarm(test!.platform, 'device-silent', 'air-qingshuihe');
    expect(alarm.textZh).toContain('清水河空气质量监测站');
    expect(alarm.textZh).not.toMatch(deviceIdIn);
    expect(alarm.textZh).toMatch(/^清水河空气质量监测站已\d+(\.\d)?分钟无数据/);
  });

  it('a charger fault is 故障 / Fault when opened and still after a restart, before any reading', async () => {
    const id = 'ev-dongmen-2';
    const charger = await test!.connect(test!.device(id));
    const now = Date.now();
    // Two readings in fault: the rule's debounce.
    await charger.publishAsync(test!.topics.build('ev_charging', id, 'telemetry'), JSON.stringify([{ ts: now - 1_000, state: 2 }, { ts: now, state: 2 }]), { qos: 1 });
    const opened = await openAlarm(test!.platform, 'ev-charger-fault', id);
    expect(opened.textZh).toMatch(/充电桩状态：故障$/);
    // The same database and data folder: the alarm comes back from the history, worded again from its rule.
    restarted = await restartPlatform(test!);
    const { platform, endpoints } = restarted;
    const restored = platform.alarms.get(opened.id)!;
    expect(restored.state).toBe('open');
    expect(restored.textZh).toMatch(/充电桩状态：故障$/);
    expect(restored.textEn).toMatch(/charger state Fault$/);
    const listed = (await (await fetch(`${endpoints.httpUrl}/api/v1/alarms?state=open`)).json()) as { alarms: Alarm[] };
    expect(listed.alarms.find((alarm) => alarm.id === opened.id)?.textZh).toMatch(/故障$/);
  });
});
