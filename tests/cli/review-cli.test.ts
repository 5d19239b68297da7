import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { runCli } from './run-cli.ts';

// Issue 22 item 1: `wanxiang review mark|revoke|list|history` against a running platform's API.
describe('wanxiang review', () => {
  let test: TestPlatform;
  let folder: string;
  const officer = 'officer-token-0123456789abcdef';

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false }, http: { tokens: [{ role: 'officer', token: officer }, { role: 'reader', token: 'reader-token-0123456789abcdef' }] } });
    folder = await mkdtemp(join(tmpdir(), 'wanxiang-review-'));
    await writeFile(join(folder, 'officer.token'), `${officer}\n`);
    await writeFile(join(folder, 'reader.token'), 'reader-token-0123456789abcdef\n');
  });
  afterAll(async () => {
    await test?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('marks, lists, revokes and exports the history', async () => {
    const station = test.platform.registry.devices.find((device) => device.family === 'air')!;
    const api = ['--api', test.endpoints.httpUrl];
    const marked = await runCli(['review', 'mark', '--device', station.id, '--from', '2025-06-01T09:00', '--to', '2025-06-01T11:00', '--reason', 'calibration', '--field', 'pm25_ugm3', '--comment', '月度校准', '--token-file', join(folder, 'officer.token'), ...api]);
    expect(marked.stderr).toBe('');
    expect(marked.code).toBe(0);
    const mark = JSON.parse(marked.stdout) as { id: string; flag: string; from: string; to: string };
    expect(mark.flag).toBe('C');
    // Beijing time, as typed and as `review list` prints it (it printed 2025-06-01T01:00:00.000Z).
    expect([mark.from, mark.to]).toEqual(['2025-06-01T09:00+08:00', '2025-06-01T11:00+08:00']);
    const listed = await runCli(['review', 'list', '--device', station.id, ...api]);
    expect(listed.stdout.split('\n')[1]).toContain(`${mark.id}\tin force\t${station.id}`);
    // Beijing time, as typed and as the rest of the CLI prints it; never UTC (issue 22: 2025-08-03T16:00:00.000Z).
    expect(listed.stdout.split('\n')[1]).toContain('\t2025-06-01T09:00+08:00\t2025-06-01T11:00+08:00\t');
    expect(listed.stdout).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    const revoked = await runCli(['review', 'revoke', '--mark', mark.id, '--comment', 'wrong analyser', '--token-file', join(folder, 'officer.token'), ...api]);
    expect(revoked.code).toBe(0);
    expect((await runCli(['review', 'list', ...api])).stdout).toContain('revoked by');
    const history = await runCli(['review', 'history', ...api]);
    expect(history.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { action: string }).action)).toEqual(['mark', 'revoke']);
  });

  it('lists a comment with tabs and line breaks as one line of its own columns (red team 8: a forged row "in force")', async () => {
    const station = test.platform.registry.devices.filter((device) => device.family === 'air')[1]!;
    const comment = 'line1\n1b\tin force\tair-liantang\tforged\tby\tadmin\t|fake|\\'; // no CR: the API refuses one
    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/review/marks`, {
      method: 'POST', headers: { authorization: `Bearer ${officer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device: station.id, from: '2025-07-01T00:00', to: '2025-07-01T06:00', reason: 'fault', comment }),
    });
    expect(response.status).toBe(201);
    const listed = await runCli(['review', 'list', '--device', station.id, '--api', test.endpoints.httpUrl]);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2); // the header and the one mark
    const columns = lines[1]!.split('\t');
    expect(columns).toHaveLength(9);
    expect(columns[8]).toBe('line1\\n1b\\tin force\\tair-liantang\\tforged\\tby\\tadmin\\t|fake|\\\\');
  });

  it('lists the derived fields a mark of a raw field takes out beside the fields it names', async () => {
    const api = ['--api', test.endpoints.httpUrl];
    const marked = await runCli(['review', 'mark', '--device', 'grid-buxin-t1', '--from', '2025-06-02T09:00', '--to', '2025-06-02T13:00', '--reason', 'fault', '--field', 'active_kw', '--comment', 'CT read double', '--token-file', join(folder, 'officer.token'), ...api]);
    expect(marked.code).toBe(0);
    expect(JSON.parse(marked.stdout)).toMatchObject({ fields: ['active_kw'], derivedFields: ['load_rate_pct'] });
    const columns = (await runCli(['review', 'list', '--device', 'grid-buxin-t1', ...api])).stdout.trimEnd().split('\n')[1]!.split('\t');
    expect(columns[5]).toBe('active_kw +load_rate_pct');
  });

  it('refuses bad arguments (exit 2), a reader token and a missing platform (exit 1)', async () => {
    const api = ['--api', test.endpoints.httpUrl];
    const noReason = await runCli(['review', 'mark', '--device', 'x', '--from', '2025-06-01', '--to', '2025-06-02', '--token-file', join(folder, 'officer.token'), ...api]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason');
    expect((await runCli(['review', 'mark', '--reason', 'boredom', ...api])).code).toBe(2);
    expect((await runCli(['review', 'frobnicate', ...api])).code).toBe(2);
    const reader = await runCli(['review', 'mark', '--device', 'air-x', '--from', '2025-06-01', '--to', '2025-06-02', '--reason', 'fault', '--token-file', join(folder, 'reader.token'), ...api]);
    expect(reader.code).toBe(1);
    expect(reader.stderr).toMatch(/^WX_ERR_FORBIDDEN/m);
    const nowhere = await runCli(['review', 'list', '--data-dir', folder]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^WX_ERR_PLATFORM_NOT_FOUND/m);
  });
});
