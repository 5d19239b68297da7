import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry } from '../../services/registry/device-registry.ts';
import { deviceTags } from '../../services/registry/device-tags.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { encodePoint } from '../../services/storage/line-protocol.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// Issue 22 item 5: an hour's coverage is counted against the interval the registry declares for
// the device, through the real rollup engine and a real influxd.
const day = Date.parse('2025-06-02T00:00:00+08:00');
const minute = 60_000;
const hourMs = 60 * minute;

describe('coverage from the registered report interval', () => {
  let test: TestPlatform;
  let fiveMinute: DeviceRecord;
  let oneMinute: DeviceRecord;
  let shipped: DeviceRecord;
  let monitor: DeviceRecord;

  async function hourly(device: DeviceRecord, hoursIntoDay: number) {
    const [series] = await test.platform.influx.query(`SELECT "coverage_min", "valid", "pm25_ugm3" FROM "air_hourly" WHERE "device" = '${device.id}' AND time = ${day + (hoursIntoDay + 1) * hourMs}ms`);
    return Object.fromEntries(series!.columns.map((column, i) => [column, series!.values[0]![i]]));
  }

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    const file = structuredClone(test.platform.registry.file);
    const stations = file.devices.filter((device) => device.family === 'air');
    stations[0]!.reportIntervalMs = 5 * minute;
    stations[1]!.reportIntervalMs = minute;
    test.platform.registry.replace(parseRegistry(file));
    fiveMinute = test.platform.registry.device(stations[0]!.id)!;
    oneMinute = test.platform.registry.device(stations[1]!.id)!;
    expect(fiveMinute.reportIntervalMs).toBe(5 * minute);
    // The same readings from both: 09-10 twelve at 5 min, 10-11 eight at 5 min.
    const times = [...Array.from({ length: 12 }, (_, i) => day + 9 * hourMs + i * 5 * minute), ...Array.from({ length: 8 }, (_, i) => day + 10 * hourMs + i * 5 * minute)];
    const lines = [fiveMinute, oneMinute].flatMap((device) => times.map((timeMs) => encodePoint({ measurement: 'air_quality', tags: deviceTags(device), fields: [['pm25_ugm3', 35, 'float']], timeMs })));
    // Issue 22 item 9: the shipped registry as it is (seeds/devices.json): a station's 5-minute readings
    // and a roadside monitor's night with every other one lost (09-10: 6 of 12; 22-06: 48 of 96).
    shipped = test.platform.registry.device(stations[2]!.id)!;
    monitor = test.platform.registry.devices.find((device) => device.family === 'noise')!;
    const halfHour = Array.from({ length: 6 }, (_, i) => day + 9 * hourMs + i * 10 * minute);
    const fullHour = Array.from({ length: 12 }, (_, i) => day + 10 * hourMs + i * 5 * minute);
    const halfNight = Array.from({ length: 48 }, (_, i) => day + 22 * hourMs + i * 10 * minute);
    lines.push(...[...halfHour, ...fullHour].map((timeMs) => encodePoint({ measurement: 'air_quality', tags: deviceTags(shipped), fields: [['pm25_ugm3', 35, 'float']], timeMs })));
    lines.push(...halfNight.map((timeMs) => encodePoint({ measurement: 'noise', tags: deviceTags(monitor), fields: [['leq_dba', 50, 'float'], ['lmax_dba', 60, 'float']], timeMs })));
    await test.platform.influx.write(lines.join('\n'));
    await test.platform.rollups.recomputeRange(day, day + 86_400_000, ['air', 'noise']);
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('counts a 5-minute station’s hour of 12 readings valid and its hour of 8 invalid', async () => {
    expect(await hourly(fiveMinute, 9)).toMatchObject({ coverage_min: 60, valid: 1, pm25_ugm3: 35 });
    expect(await hourly(fiveMinute, 10)).toMatchObject({ coverage_min: 40, valid: 0 });
  });

  it('counts the same 12 readings from a station registered at 1 minute as 12 minutes: no valid hour', async () => {
    expect(await hourly(oneMinute, 9)).toMatchObject({ coverage_min: 12, valid: 0 });
    expect(await hourly(oneMinute, 10)).toMatchObject({ coverage_min: 8, valid: 0 });
  });

  it('counts the shipped stations against their registered 5 minutes: every other reading lost is half an hour, half a night', async () => {
    expect([shipped.reportIntervalMs, monitor.reportIntervalMs]).toEqual([5 * minute, 5 * minute]);
    expect(await hourly(shipped, 9)).toMatchObject({ coverage_min: 30, valid: 0 });
    expect(await hourly(shipped, 10)).toMatchObject({ coverage_min: 60, valid: 1 });
    const [series] = await test.platform.influx.query(`SELECT "night_points", "night_coverage", "night_complete" FROM "noise_daily" WHERE "device" = '${monitor.id}' AND time = ${day}ms`);
    const night = Object.fromEntries(series!.columns.map((column, i) => [column, series!.values[0]![i]]));
    expect(night).toMatchObject({ night_points: 48, night_coverage: 0.5, night_complete: 0 });
  });
});
