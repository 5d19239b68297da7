import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// Red team 7: a mark InfluxDB did not confirm in time was answered 503, and yet landed; the officer,
// told it failed, sent it again, and the two identical marks outlived the revocation of one. The
// same mark sent again while one is in force is now that mark (200, `repeated`), never a second.
const officer = 'officer-token-retry-0123456789abcdef';
const otherOfficer = 'officer-token-other-0123456789abcdef';

describe('a review mark sent again', () => {
  let test: TestPlatform;
  beforeAll(async () => {
    test = await startTestPlatform({ http: { tokens: [{ role: 'officer', token: officer, name: 'li.ming' }, { role: 'officer', token: otherOfficer, name: 'wang.fang' }] } });
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  const post = async (body: unknown, token = officer) => {
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { id: string; repeated?: boolean; inForce?: boolean } };
  };
  const marks = async () => {
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, { headers: { authorization: `Bearer ${officer}` } });
    return ((await response.json()) as { marks: Array<{ id: string; inForce: boolean }> }).marks;
  };

  it('is the mark in force, not a second one; after a revocation it is a new mark', async () => {
    const device = test.platform.registry.devices.find((candidate) => candidate.family === 'air')!;
    const mark = { device: device.id, from: '2026-11-02T10:00', to: '2026-11-02T12:00', reason: 'calibration', fields: ['pm25_ugm3', 'pm10_ugm3'], comment: 'zero and span check' };
    const first = await post(mark);
    expect(first.status).toBe(201);
    const again = await post({ ...mark, fields: ['pm10_ugm3', 'pm25_ugm3'] }); // the same fields in another order: the same mark
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, repeated: true } });
    expect((await marks()).filter((entry) => entry.inForce)).toHaveLength(1);

    // Not the same: another officer, another comment, another period.
    expect((await post(mark, otherOfficer)).status).toBe(201);
    expect((await post({ ...mark, comment: 'span check only' })).status).toBe(201);
    expect((await post({ ...mark, to: '2026-11-02T13:00' })).status).toBe(201);

    expect((await post({ action: 'revoke', revokes: first.body.id, comment: 'taken in error' })).status).toBe(201);
    const renewed = await post(mark);
    expect(renewed.status).toBe(201);
    expect(renewed.body.id).not.toBe(first.body.id);
    expect((await marks()).filter((entry) => entry.inForce)).toHaveLength(4);
  });
});
