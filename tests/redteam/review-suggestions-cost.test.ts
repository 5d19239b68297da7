import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = { officer: 'officer-token-0123456789abcdef', operator: 'operator-token-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };
const fastId = 'air-every-second';

/**
 * GET /api/v1/review/suggestions reads every raw reading of its range: an officer's work tool, not
 * an open read (the privacy pass, item 2), and bounded in readings (range ÷ the device's interval).
 */
describe('red team: the review suggestions’ access and cost', () => {
  let test: TestPlatform;
  let dir: string;
  let air: string;
  const get = (path: string, token?: string) => fetch(`${test.endpoints.httpUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-suggestions-'));
    // One air device that reports every second: 31 days of it are 2.7 million readings.
    const file = JSON.parse(await readFile('seeds/devices.json', 'utf8')) as RegistryFile;
    const model = file.devices.find((device) => device.family === 'air')!;
    const { hj212: _hj212, ...plain } = model;
    file.devices.push({ ...plain, id: fastId, reportIntervalMs: 1_000 });
    const registryFile = join(dir, 'devices.json');
    await writeFile(registryFile, JSON.stringify(file));
    test = await startTestPlatform({ registryFile, http: { tokens: (Object.entries(tokens) as Array<['officer' | 'operator' | 'reader', string]>).map(([role, token]) => ({ role, token })) } });
    air = model.id;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers an officer only, even while reads are open', async () => {
    const path = `/api/v1/review/suggestions?device=${air}&from=2025-03-01&to=2025-03-31`;
    const anonymous = await get(path);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'WX_ERR_UNAUTHORIZED' });
    for (const token of [tokens.reader, tokens.operator]) {
      const refused = await get(path, token);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'WX_ERR_FORBIDDEN' });
    }
    const officer = await get(path, tokens.officer);
    expect(officer.status).toBe(200);
    expect(await officer.json()).toEqual({ suggestions: [] });
  });

  it('refuses a range past the readings it reads at once, naming the limit and the value', async () => {
    const refused = await get(`/api/v1/review/suggestions?device=${fastId}&from=2025-03-01&to=2025-03-31`, tokens.officer);
    expect(refused.status).toBe(400);
    const body = await refused.json() as { code: string; message: string };
    expect(body.code).toBe('WX_ERR_INVALID_ARGUMENT');
    expect(body.message).toContain('100000 readings');
    expect(body.message).toContain('2592000 readings');
    expect(body.message).toContain('at most 1.1 days');
    // A day of it is 86,400 readings: taken.
    expect((await get(`/api/v1/review/suggestions?device=${fastId}&from=2025-03-01&to=2025-03-02`, tokens.officer)).status).toBe(200);
  });

  it('bounds the review page’s view the same way: 7 days of a device reporting each second are refused, one is drawn', async () => {
    const refused = await get(`/api/v1/review/view?device=${fastId}&from=2025-03-01&to=2025-03-08`, tokens.officer);
    expect(refused.status).toBe(400);
    const body = await refused.json() as { code: string; message: string };
    expect(body).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT' });
    expect(body.message).toContain('604800 readings');
    expect((await get(`/api/v1/review/view?device=${fastId}&from=2025-03-01&to=2025-03-02`, tokens.officer)).status).toBe(200);
    expect((await get(`/api/v1/review/view?device=${air}&from=2025-03-01&to=2025-03-08`, tokens.officer)).status).toBe(200);
  });
});
