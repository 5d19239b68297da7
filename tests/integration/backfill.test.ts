import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyIds, getFamily } from '../../services/families/index.ts';
import type { DeviceRecord } from '../../services/registry/registry-schema.ts';
import { backfill, defaultMinimumStepMs, type BackfillReport } from '../../simulators/backfill.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const run = promisify(execFile);

describe('backfill through the ingest path', () => {
  let test: TestPlatform;
  let report: BackfillReport;
  let devices: DeviceRecord[];
  const fromMs = Date.parse('2025-06-01T00:00:00+08:00');
  const toMs = Date.parse('2025-06-03T00:00:00+08:00');

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 3 * 365 * 86_400_000 } });
    devices = familyIds.flatMap((family) => test.platform.registry.devices.filter((device) => device.family === family).slice(0, 3));
    report = await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices, fromMs, toMs, seed: 2025, batchReadings: 200 });
    await test.platform.ingest.drain();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('lands every generated reading, per family, in the range', async () => {
    for (const family of familyIds) {
      const step = Math.max(getFamily(family).reportIntervalMs, defaultMinimumStepMs);
      const expected = devices.filter((device) => device.family === family).length * Math.ceil((toMs - fromMs) / step);
      expect(await test.countPoints(getFamily(family).measurement, `time >= ${fromMs}ms AND time < ${toMs}ms`), family).toBe(expected);
    }
    expect(await test.metric('wanxiang_readings_rejected_total')).toBe(0);
    expect(report.messages).toBeLessThan(report.readings / 50);
  });

  it('reports plausible statistics of what it generated', () => {
    expect(report.statistics.days).toBe(2);
    expect(report.statistics.pm25AnnualMeanUgm3).toBeGreaterThan(3);
    expect(report.statistics.pm25AnnualMeanUgm3).toBeLessThan(40);
    expect(report.statistics.parkingMeanOccupancy).toBeGreaterThan(0.2);
  });

  it('answers --help for each command of the CLI', async () => {
    for (const command of ['start', 'simulate', 'record', 'replay', 'backfill']) {
      const { stdout } = await run('node', ['bin/wanxiang.js', command, '--help'], { cwd: new URL('../..', import.meta.url).pathname });
      expect(stdout, command).toMatch(/Options/);
    }
  });
});
