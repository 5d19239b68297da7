import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { runCli, stackTrace } from './run-cli.ts';

// Red team 8: `wanxiang report` had no way to give a token, so a platform whose reads need one
// (WX_API_READ_ACCESS=token) could not be reported on at all. --token-file gives it.
const reader = 'reader-token-report-0123456789abcdef';

describe('report --token-file', () => {
  let test: TestPlatform;
  let work: string;
  beforeAll(async () => {
    test = await startTestPlatform({ http: { readAccess: 'token', tokens: [{ role: 'reader', token: reader }] } });
    work = await mkdtemp(join(tmpdir(), 'wanxiang-report-token-'));
    await writeFile(join(work, 'token'), `${reader}\n`, { mode: 0o600 });
    await writeFile(join(work, 'wrong'), 'not-the-token-0123456789abcdef\n', { mode: 0o600 });
  }, 120_000);
  afterAll(async () => {
    await test?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('reads a token-mode platform with the token, and says why without it', async () => {
    const args = ['report', '--period', '2025', '--format', 'json', '--api', test.endpoints.httpUrl, '--data-dir', join(work, 'data')];
    const without = await runCli(args);
    expect(without.stderr).not.toMatch(stackTrace);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/^WX_ERR_UNAUTHORIZED: report: the API at .* answered 401/m);
    const wrong = await runCli([...args, '--token-file', join(work, 'wrong')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^WX_ERR_UNAUTHORIZED: /m);
    const right = await runCli([...args, '--token-file', join(work, 'token')]);
    expect(right.code, right.stderr).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({ period: expect.objectContaining({ id: '2025' }) });
  }, 120_000);
});
