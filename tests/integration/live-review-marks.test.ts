import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const officer = 'officer-token-live-marks-0123456789ab';
interface LiveDevice { id: string; values: Record<string, number>; state: { label: string; value: unknown } }

/**
 * The wall's truth under review marks: a mark may run up to a day ahead (an analyser under
 * maintenance until tomorrow). The newest reading it covered was shown in /api/v1/live and on the
 * wall as valid, AQI 300 (重度污染) from a PM2.5 every figure of the platform leaves out. What a mark
 * in force covers is not shown; a revoked mark gives the value back.
 */
describe('/api/v1/live leaves out what a review mark in force covers', () => {
  let test: TestPlatform;
  const partial = 'air-guiyuan';
  const whole = 'air-dongmen';

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false }, http: { tokens: [{ role: 'officer', token: officer }] } });
  });
  afterAll(async () => {
    await test?.close();
  });

  const live = async () => {
    const answer = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/live?family=air`)).json()) as { families: Array<{ devices: LiveDevice[] }> };
    return new Map(answer.families[0]!.devices.map((d) => [d.id, d]));
  };
  const post = async (body: unknown) => {
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, { method: 'POST', headers: { authorization: `Bearer ${officer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
    return (await response.json()) as { id: string };
  };

  it('shows neither the marked PM2.5 nor an AQI judged from it, nor a reading marked whole; a revocation gives them back', async () => {
    for (const id of [partial, whole]) {
      const client = await test.connect(test.device(id));
      await client.publishAsync(test.topics.build('air', id, 'telemetry'), JSON.stringify({ pm25: 250, pm10: 40, o3: 60, no2: 20, so2: 5, co: 0.5 }), { qos: 1 });
    }
    await expect.poll(async () => (await live()).get(partial)?.state.value, { timeout: 10_000 }).toBe(300);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const mark = await post({ device: partial, from, to, fields: ['pm25_ugm3'], reason: 'maintenance', comment: 'PM2.5 analyser under maintenance' });
    await post({ device: whole, from, to, reason: 'power', comment: 'station on generator' });
    await expect.poll(async () => (await live()).get(partial)?.values.pm25, { timeout: 15_000 }).toBeUndefined();
    const marked = await live();
    expect(marked.get(partial)!.values).toMatchObject({ pm10: 40, o3: 60 });
    // HJ 633-2026 §5.3.1: PM2.5 missing and the others' AQI ≤ 100: no AQI is published.
    expect(marked.get(partial)!.state.value).toBeNull();
    expect(marked.get(whole)!.values).toEqual({});
    expect(marked.get(whole)!.state.label).toBe('no-data');

    await post({ action: 'revoke', revokes: mark.id, comment: 'the maintenance was at another station' });
    await expect.poll(async () => (await live()).get(partial)?.values.pm25, { timeout: 15_000 }).toBe(250);
    expect((await live()).get(partial)!.state.value).toBe(300);
  });
});
