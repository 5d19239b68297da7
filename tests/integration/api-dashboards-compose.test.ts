import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyIds } from '../../services/families/index.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const run = promisify(execFile);

describe('HTTP API, Grafana dashboards and the compose file', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform();
    for (const family of familyIds) {
      const device = test.platform.registry.devices.find((candidate) => candidate.family === family && candidate.attributes.level !== 'substation')!;
      const client = await test.connect(device);
      await client.publishAsync(test.topics.build(family, device.id, 'telemetry'), JSON.stringify(generateReading(1, device, Date.now())), { qos: 1 });
    }
    await test.platform.ingest.drain();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('answers /healthz with InfluxDB reachable and its version', async () => {
    const response = await fetch(`${test.endpoints.httpUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', influx: { reachable: true, version: expect.stringMatching(/^\d/) } });
  });

  it('serves the metrics the issue names in Prometheus text format', async () => {
    const text = await (await fetch(`${test.endpoints.httpUrl}/metrics`)).text();
    for (const name of ['wanxiang_readings_received_total', 'wanxiang_readings_written_total', 'wanxiang_readings_rejected_total', 'wanxiang_write_batch_readings_bucket', 'wanxiang_write_duration_seconds_bucket', 'wanxiang_ingest_queue_readings']) {
      expect(text).toMatch(new RegExp(`^${name}`, 'm'));
    }
    expect(text).toMatch(/^wanxiang_readings_written_total\{family="air"\} 1$/m);
  });

  it('lists devices without their secret hashes, and answers unknown routes with a code', async () => {
    const body = await (await fetch(`${test.endpoints.httpUrl}/api/v1/devices`)).text();
    expect(body).toContain('air-guiyuan');
    expect(body).not.toContain('scrypt$');
    const missing = await fetch(`${test.endpoints.httpUrl}/api/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'WX_ERR_NOT_FOUND' });
  });

  it('runs every Grafana panel query against the real InfluxDB and gets data', async () => {
    const dashboard = JSON.parse(await readFile(new URL('../../dashboards/json/district-live.json', import.meta.url), 'utf8'));
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const query = String(target.query).replaceAll('$timeFilter', 'time > now() - 6h').replaceAll('$__interval', '1m');
        const series = await test.platform.influx.query(query);
        expect(series.length, panel.title).toBeGreaterThan(0);
      }
    }
  });

  it('has a compose file that docker-compose accepts', async () => {
    const { stdout } = await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: new URL('../..', import.meta.url).pathname });
    expect(stdout).toContain('influxdb');
  });
});
