import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyIds } from '../../services/families/index.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { allPanels, readCommittedDashboards } from '../helpers/grafana-dashboards.ts';
import { exposedMetricNames, promqlMetricNames } from '../helpers/promql-names.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

describe('HTTP API: health, metrics (and the dashboards\' PromQL against them), devices', () => {
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

  // A new user's first action on a platform with no tokens: the answer says none exist yet.
  it('answers an action on a platform without tokens 401, saying that it has none yet and how to give it some', async () => {
    const answer = await fetch(`${test.endpoints.httpUrl}/api/v1/alarms/some-alarm/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: 'WX_ERR_UNAUTHORIZED', message: expect.stringMatching(/has no tokens yet: give it some with WX_API_TOKENS or `wanxiang users add`/) });
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

  it('exposes every metric the platform-health dashboard\'s PromQL names', async () => {
    const exposed = exposedMetricNames(await (await fetch(`${test.endpoints.httpUrl}/metrics`)).text());
    const dashboards = await readCommittedDashboards();
    const expressions = [...dashboards.values()].flatMap((dashboard) => allPanels(dashboard.panels).flatMap((panel) => (panel.targets ?? []).flatMap((target) => (target.expr === undefined ? [] : [target.expr]))));
    expect(expressions.length).toBeGreaterThan(20);
    for (const expr of expressions) {
      const names = promqlMetricNames(expr);
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) expect(exposed.has(name), `${name} in ${expr}`).toBe(true);
    }
  });

  it('reads metric names out of PromQL as Prometheus parses them', () => {
    expect(promqlMetricNames('histogram_quantile(0.95, sum by (le) (rate(wanxiang_write_duration_seconds_bucket{job="x"}[$__rate_interval])))')).toEqual(['wanxiang_write_duration_seconds_bucket']);
    expect(promqlMetricNames('sum(rate(a_total[5m])) / sum(rate(b_count[5m]))')).toEqual(['a_total', 'b_count']);
    expect(() => promqlMetricNames('rat(a_total[5m])')).toThrow(/not a PromQL function/);
    expect(exposedMetricNames('# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE c counter\nc{a="b"} 1\n')).toEqual(new Set(['h_bucket', 'h_sum', 'h_count', 'c']));
  });
});
