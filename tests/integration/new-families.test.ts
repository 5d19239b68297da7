import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmChange } from '../../services/alarms/alarm-types.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const MINUTE = 60_000;

/**
 * Issue 25 on a running platform (real broker, ingest, influxd, alarm engine, API): the
 * waterlogging and EV-charging families arrive over MQTT, are validated by their modules, land in
 * InfluxDB, raise the seeded rules' alarms (rainstorm signals in order, a charger fault) and show
 * in /api/v1/live with what the screen's generic panel needs, with no code of their own elsewhere.
 */
describe('the waterlogging and EV-charging families on a running platform', () => {
  let test: TestPlatform;
  let observer: mqtt.MqttClient;
  const changes: AlarmChange[] = [];
  const opened = (rule: string, device: string) => changes.find((c) => c.kind === 'opened' && c.alarm.ruleId === rule && c.alarm.deviceId === device);
  let points = 0;
  /** Waits for a condition, refreshing what it reads first (a query) when given a refresher. */
  const until = async (check: () => boolean, timeoutMs = 15_000, refresh?: () => Promise<void>) => {
    const deadline = Date.now() + timeoutMs;
    while ((await refresh?.(), !check())) {
      if (Date.now() > deadline) throw new Error(`timed out; alarm changes: ${JSON.stringify(changes.map((c) => [c.kind, c.alarm.ruleId, c.alarm.deviceId, c.alarm.value]))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    test = await startTestPlatform();
    observer = await mqtt.connectAsync(test.endpoints.mqttUrl, { clientId: 'observer-families-test', username: 'observer', password: simulatedDeviceSecret(test.config.fleetKey, 'observer'), reconnectPeriod: 0 });
    observer.on('message', (_topic, payload) => changes.push(JSON.parse(payload.toString()) as AlarmChange));
    await observer.subscribeAsync(test.topics.alarms(), { qos: 1 });
  });
  afterAll(async () => {
    await observer?.endAsync();
    await test?.close();
  });

  it('opens the rainfall warnings in order as a gauge\'s rain adds up: 20 mm in 1 h, then orange (with yellow and blue), then red', async () => {
    const id = 'waterlogging-rain-cuizhu';
    const gauge = await test.connect(test.device(id));
    const topic = test.topics.build('waterlogging', id, 'telemetry');
    const now = Date.now();
    // Fresh readings: one more than 15 minutes old on arrival is history to the alarms, not news (services/ingest/history.ts).
    for (const [minutesAgo, rainfall] of [[12, 24], [8, 30], [2, 48.5]] as const) {
      await gauge.publishAsync(topic, JSON.stringify({ ts: now - minutesAgo * MINUTE, rainfall, battery: 12.8 }), { qos: 1 });
      await until(() => changes.some((c) => c.kind === 'opened' && c.alarm.deviceId === id && c.alarm.value !== null && c.alarm.value >= rainfall));
    }
    await until(() => opened('rain-signal-red', id) !== undefined);
    const [short, blue, yellow, orange, red] = ['rain-1h-20mm', 'rain-signal-blue', 'rain-signal-yellow', 'rain-signal-orange', 'rain-signal-red'].map((rule) => opened(rule, id)!) as [AlarmChange, AlarmChange, AlarmChange, AlarmChange, AlarmChange];
    expect(short.alarm.value).toBe(24);
    expect(orange.alarm).toMatchObject({ value: 54, limit: 50, severity: 'warning' });
    expect(blue.alarm.openedAtMs).toBe(orange.alarm.openedAtMs);
    expect(yellow.alarm.openedAtMs).toBe(orange.alarm.openedAtMs);
    expect(short.alarm.openedAtMs).toBeLessThan(orange.alarm.openedAtMs);
    expect(red.alarm).toMatchObject({ value: 102.5, limit: 100, severity: 'critical' });
    expect(red.alarm.textZh).toContain('已达暴雨红色预警信号标准100毫米');
    await until(() => points === 3, 15_000, async () => { points = await test.countPoints('waterlogging', `"device" = '${id}'`); });
    await gauge.endAsync();
  });

  // Red team 12: a gauge whose clock jumped 4 min ahead for one reading; by stamp, its next 4 min of
  // readings were "older" and left out of every rain sum, so a signal opened late or never.
  it('counts the rain after a reading stamped ahead of its receipt: the sum, and the 1-h signal, do not wait for the clock', async () => {
    const id = 'waterlogging-rain-dongxiao';
    const gauge = await test.connect(test.device(id));
    const topic = test.topics.build('waterlogging', id, 'telemetry');
    // Each sent after the one before was acknowledged, stamped as it is sent: measured after it was received.
    for (const [aheadMs, rainfall] of [[4 * MINUTE, 5], [0, 8], [0, 9]] as const) {
      await gauge.publishAsync(topic, JSON.stringify({ ts: Date.now() + aheadMs, rainfall, battery: 12.8 }), { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await until(() => opened('rain-1h-20mm', id) !== undefined);
    expect(opened('rain-1h-20mm', id)!.alarm.value).toBe(22);
    await gauge.endAsync();
  });

  it('raises a charger fault with the state\'s name, and refuses a state code or power the module does not allow', async () => {
    const id = 'ev-dongmen-3';
    const charger = await test.connect(test.device(id));
    const topic = test.topics.build('ev_charging', id, 'telemetry');
    const rejected = (reason: string) => test.metric('wanxiang_readings_rejected_total', { reason });
    const [range, inconsistent] = [await rejected('WX_ERR_OUT_OF_RANGE'), await rejected('WX_ERR_INCONSISTENT_VALUES')];
    await charger.publishAsync(topic, JSON.stringify({ state: 7, power: 0 }), { qos: 1 });
    await charger.publishAsync(topic, JSON.stringify({ state: 0, power: 6.5 }), { qos: 1 });
    expect(await rejected('WX_ERR_OUT_OF_RANGE')).toBe(range + 1);
    expect(await rejected('WX_ERR_INCONSISTENT_VALUES')).toBe(inconsistent + 1);
    // The fault rule debounces two readings.
    for (const offset of [2_000, 1_000]) await charger.publishAsync(topic, JSON.stringify({ ts: Date.now() - offset, state: 2, power: 0, energyToday: 31.4, voltage: 225.1 }), { qos: 1 });
    await until(() => opened('ev-charger-fault', id) !== undefined);
    expect(opened('ev-charger-fault', id)!.alarm.textEn).toBe('ev-dongmen-3: charger state Fault');
    expect(opened('ev-charger-fault', id)!.alarm.textZh).toMatch(/充电桩状态：故障$/);
    await until(() => points === 2, 15_000, async () => { points = await test.countPoints('ev_charging', `"device" = '${id}' AND "state_code" = 2`); });
    await charger.endAsync();
  });

  it('rolls the day up through the modules\' own rollups: the gauge\'s rain, the charger\'s fault share', async () => {
    await test.platform.ingest.drain();
    await test.platform.rollups.runOnce();
    const query = async (text: string) => (await test.platform.influx.query(text)).flatMap((series) => series.values.map((row) => Object.fromEntries(series.columns.map((column, i) => [column, row[i]]))));
    // The three readings may straddle midnight in Beijing: the days add up to the rain sent.
    const days = await query(`SELECT "rain_mm", "valid_hours" FROM "waterlogging_daily" WHERE "device" = 'waterlogging-rain-cuizhu'`);
    expect(days.reduce((sum, day) => sum + Number(day.rain_mm), 0)).toBeCloseTo(102.5, 5);
    const hours = await query(`SELECT "rain_mm", "valid" FROM "waterlogging_hourly" WHERE "device" = 'waterlogging-rain-cuizhu'`);
    // Three readings in an hour are not 45 minutes of data: no hour is valid.
    expect(hours.every((hour) => hour.valid === 0)).toBe(true);
    const charger = await query(`SELECT "fault_pct", "readings" FROM "ev_charging_daily" WHERE "device" = 'ev-dongmen-3' AND "station" = 'dongmen'`);
    expect(charger.reduce((sum, day) => sum + Number(day.readings), 0)).toBe(2);
    expect(charger.every((day) => day.fault_pct === 100)).toBe(true);
  });

  it('shows both families in /api/v1/live with their module\'s presentation and states', async () => {
    await until(() => test.platform.live.snapshot({ family: 'ev_charging' }).families[0]!.devices.some((d) => d.id === 'ev-dongmen-3' && d.state.label === 'ev_charging.fault'));
    const live = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/live?family=ev_charging`)).json()) as { families: Array<{ family: string; presentation: { states: Record<string, { zh: string }> }; devices: Array<{ id: string; state: { label: string; severity: number } }> }> };
    const group = live.families[0]!;
    expect(group.family).toBe('ev_charging');
    expect(group.presentation.states['ev_charging.fault']!.zh).toBe('故障');
    expect(group.devices.find((d) => d.id === 'ev-dongmen-3')!.state).toMatchObject({ label: 'ev_charging.fault', severity: 3 });
    const rain = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/live?family=waterlogging`)).json()) as { families: Array<{ devices: Array<{ id: string; state: { label: string } }> }> };
    expect(rain.families[0]!.devices.find((d) => d.id === 'waterlogging-rain-cuizhu')!.state.label).toBe('waterlogging.raining');
  });
});
