import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { ComplianceReport } from '../../services/compliance/compliance.ts';
import { formatMarkdown } from '../../services/compliance/report-format.ts';
import { backfill } from '../../simulators/backfill.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { runCli } from './run-cli.ts';

const dayMs = 86_400_000;
const march = Date.parse('2025-03-01T00:00:00+08:00');

/** A port nobody listens on (taken, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Issue 22 item 4: the report a director can read, and where `report` reads from.
describe('wanxiang report: the document and its source', () => {
  let test: TestPlatform;
  let folder: string;
  let api: string[];

  beforeAll(async () => {
    test = await startTestPlatform({ ingest: { maxAgeMs: 10 * 365 * dayMs }, rollups: { enabled: false } });
    folder = await mkdtemp(join(tmpdir(), 'wanxiang-report-'));
    api = ['--api', test.endpoints.httpUrl];
    const air = test.platform.registry.devices.filter((device) => device.family === 'air').slice(0, 6);
    await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices: air, fromMs: march, toMs: march + 3 * dayMs, seed: 11 });
    await test.platform.ingest.drain();
    await test.platform.rollups.recomputeRange(march, march + 3 * dayMs);
  }, 300_000);
  afterAll(async () => {
    await test?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('writes one language a document, Beijing time, each sentence once, a caveat for a part of a year, comparisons and a signature block', async () => {
    const en = await runCli(['report', '--period', '2025-03', '--lang', 'en', ...api], {}, 120_000);
    expect(en.code).toBe(0);
    const zh = await runCli(['report', '--period', '2025-03', ...api], {}, 120_000);
    expect(zh.code).toBe(0);
    expect(en.stdout).not.toMatch(/\| (指标|目标|监测值|评价) \|/);
    expect(en.stdout).toContain('PM2.5 annual mean');
    expect(en.stdout).toContain('Note: this period is not a whole year');
    expect(en.stdout).toContain('(Beijing time)');
    expect(en.stdout).toContain('Last year (2024-03)');
    // Issue 22 item 7: the 2020 baseline is what the plan states (PM2.5 18.2 µg/m³, line 138), not "—" from data it never had.
    expect(en.stdout).toContain('2020 baseline (as the plan states)');
    const pm25Row = (text: string) => text.split('\n').find((line) => line.startsWith('| PM2.5'))!.split(' | ');
    const enHeads = en.stdout.split('\n').find((line) => line.startsWith('| Indicator'))!.split(' | ');
    expect(pm25Row(en.stdout)[enHeads.indexOf('2020 baseline (as the plan states)')]).toBe('18.2 µg/m³');
    expect(en.stdout).toContain('PM2.5 annual mean concentration (plan line 138)');
    const zhHeads = zh.stdout.split('\n').find((line) => line.startsWith('| 指标'))!.split(' | ');
    expect(pm25Row(zh.stdout)[zhHeads.indexOf('2020年基准（规划所述）')]).toBe('18.2 µg/m³');
    expect(en.stdout).toContain('Compiled by:');
    expect(zh.stdout).toContain('注意：本时段不足一个完整年度');
    expect(zh.stdout).toContain('（北京时间）');
    expect(zh.stdout).toContain('去年同期（2024-03）');
    expect(zh.stdout).toContain('编制单位');
    expect(zh.stdout).toContain('2025-03-01 – 2025-03-31');
    expect(zh.stdout).not.toMatch(/\| (Indicator|Target|Status) \|/);
    for (const text of [en.stdout, zh.stdout]) {
      // No UTC instants, no internal references.
      expect(text).not.toMatch(/\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z/);
      expect(text).not.toMatch(/standards\.md|services\/|UNVERIFIED|\.ts\b/);
      // Each sentence once: no line but table rows repeats.
      const lines = text.split('\n').filter((line) => line.trim() && !line.startsWith('|'));
      expect(lines.filter((line, i) => lines.indexOf(line) !== i)).toEqual([]);
    }
  }, 300_000);

  // A period still running beside last year's whole one (March 2025 asked on the 10th, beside all of
  // March 2024) was headed "same period last year". The plan's years are past, so no period runs
  // today: the platform's own March 2025 report is taken as it would have been while March ran.
  it('heads last year\'s column "whole period", not "same period", while this period still runs', async () => {
    const compliance = async (period: string) => (await (await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=${period}`)).json()) as ComplianceReport;
    const [march2025, march2024] = await Promise.all([compliance('2025-03'), compliance('2024-03')]);
    const running = { ...march2025, period: { ...march2025.period, complete: false } };
    const en = formatMarkdown(running, 'en', { lastYear: march2024 });
    const zh = formatMarkdown(running, 'zh', { lastYear: march2024 });
    expect(en).toContain('Last year, whole period (2024-03)');
    expect(en).toContain('the last-year column is last year’s whole period, not the same days');
    expect(zh).toContain('上年全期（2024-03）');
    expect(zh).not.toContain('去年同期');
    expect(formatMarkdown(march2025, 'zh', { lastYear: march2024 })).toContain('去年同期（2024-03）');
  });

  it('writes CSV with a byte-order mark and headers in the language asked; reports quarters and halves', async () => {
    const csv = await runCli(['report', '--period', '2025-03', '--format', 'csv', ...api], {}, 120_000);
    expect(csv.stdout.startsWith('\uFEFF"时段","指标编号","指标"')).toBe(true);
    const quarter = JSON.parse((await runCli(['report', '--period', '2025-Q1', '--format', 'json', ...api], {}, 120_000)).stdout) as ComplianceReport;
    expect(quarter.period).toMatchObject({ kind: 'quarter', fromMs: Date.parse('2025-01-01T00:00:00+08:00'), toMs: Date.parse('2025-04-01T00:00:00+08:00') });
    const half = JSON.parse((await runCli(['report', '--period', '2025-H2', '--format', 'json', ...api], {}, 120_000)).stdout) as ComplianceReport;
    expect(half.period).toMatchObject({ kind: 'half', fromMs: Date.parse('2025-07-01T00:00:00+08:00'), toMs: Date.parse('2026-01-01T00:00:00+08:00') });
  }, 300_000);

  it('reads the rollups from InfluxDB when no platform answers, saying so, with the figures the API gives', async () => {
    const fromApi = (await (await fetch(`${test.endpoints.httpUrl}/api/v1/compliance?period=2025-03`)).json()) as ComplianceReport;
    const pm25 = (report: ComplianceReport) => report.targets.find((target) => target.id === 'pm25-annual-mean')!.value;
    // runtime.json names a platform that no longer answers, and its InfluxDB (still running).
    const dataDir = join(folder, 'stale');
    await rm(dataDir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dataDir, { recursive: true }));
    const port = await closedPort();
    await writeFile(join(dataDir, 'runtime.json'), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), httpUrl: `http://127.0.0.1:${port}`, mqttUrl: 'mqtt://127.0.0.1:1', influxUrl: inject('influxUrl'), database: test.config.influx.database }));
    const run = await runCli(['report', '--period', '2025-03', '--format', 'json', '--data-dir', dataDir], {}, 180_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('no platform answered; reading the rollups from InfluxDB');
    const direct = JSON.parse(run.stdout) as ComplianceReport;
    expect(pm25(direct)).toBe(pm25(fromApi));
    expect(pm25(direct)).not.toBeNull();
    // Nothing at all to read: exit 1 naming what was looked for, never a guessed 127.0.0.1:3000.
    const none = await runCli(['report', '--period', '2025-03', '--data-dir', join(folder, 'empty')], { INFLUX_URL: '' }, 60_000);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/WX_ERR_PLATFORM_NOT_FOUND/);
    expect(none.stderr).not.toContain('127.0.0.1:3000');
  }, 300_000);
});
