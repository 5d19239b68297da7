import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordingWriter } from '../../simulators/recording.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { runCli, stackTrace } from './run-cli.ts';

/**
 * A recording whose `record` was interrupted (kill -9, a full disk, a copy cut short) ends in a
 * cut line or a cut gzip stream (issue 19, tried again with other mistakes). `replay` refused the
 * whole file for its last line ("WX_ERR_SEED_INVALID ... not a recording line", "unexpected end of
 * file"): every whole reading before it was lost to the user. Now the whole lines are replayed
 * and the cut one is named, on stderr and in the report.
 */
describe('replay of an interrupted recording', () => {
  let test: TestPlatform;
  let dir: string;
  let plain: string;
  const count = 20;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-torn-'));
    test = await startTestPlatform({ rollups: { enabled: false } });
    const whole = join(dir, 'whole.ndjson.gz');
    const writer = createRecordingWriter(whole, { startedAt: Date.now(), source: test.endpoints.mqttUrl });
    const start = Date.now() - count * 1_000;
    for (let i = 0; i < count; i += 1) {
      writer.write({ t: start + i * 1_000, topic: test.topics.build('air', 'air-dongmen', 'telemetry'), payload: JSON.stringify({ ts: start + i * 1_000, pm25: 30 + i, pm10: 60 }) });
    }
    await writer.close();
    const { gunzipSync } = await import('node:zlib');
    plain = gunzipSync(await readFile(whole)).toString('utf8');
  });

  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const replay = (file: string) => runCli(['replay', file, '--url', test.endpoints.mqttUrl, '--speed', 'max', '--timestamps', 'original', '--data-dir', join(dir, 'tool')], { WX_FLEET_KEY: test.config.fleetKey });

  it('a cut last line: the whole lines are replayed, the cut one named, exit 0', async () => {
    const file = join(dir, 'cut-line.ndjson.gz');
    await writeFile(file, gzipSync(plain.slice(0, -25))); // the last line loses its end and its line break
    const run = await replay(file);
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/line 21 is cut \(a recording that was interrupted\).*it was skipped/);
    const report = JSON.parse(run.stdout) as { sent: number; tornTail?: string };
    expect(report.sent).toBe(count - 1);
    expect(report.tornTail).toMatch(/line 21 is cut/);
  });

  it('a gzip stream cut short: what it holds is replayed, the end named', async () => {
    const file = join(dir, 'cut-gzip.ndjson.gz');
    const whole = gzipSync(plain);
    await writeFile(file, whole.subarray(0, whole.length - 12)); // the CRC and size trailer (RFC 1952 §2.2) and a little more
    const run = await replay(file);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/the compressed file ends early/);
    expect((JSON.parse(run.stdout) as { sent: number }).sent).toBeGreaterThan(0);
  });

  it('names the recorded devices this registry does not hold, on stderr and in the report', async () => {
    const file = join(dir, 'other-district.ndjson');
    const start = Date.now() - 10_000;
    const foreign = (id: string, k: number) => JSON.stringify({ t: start + k, topic: test.topics.build('air', id, 'telemetry'), payload: JSON.stringify({ ts: start + k, pm25: 30 }) });
    const lines = plain.split('\n').filter(Boolean);
    await writeFile(file, [...lines, foreign('air-futian-1', 1), foreign('air-futian-1', 2), foreign('air-nanshan-2', 3)].join('\n') + '\n');
    const run = await replay(file);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('3 messages of devices this registry does not hold were skipped: air-futian-1, air-nanshan-2');
    const report = JSON.parse(run.stdout) as { sent: number; unknownDevices: Record<string, number>; skipped: { unknownDevice: number } };
    expect(report.unknownDevices).toEqual({ 'air-futian-1': 2, 'air-nanshan-2': 1 });
    expect(report.skipped.unknownDevice).toBe(3);
    expect(report.sent).toBe(count);
  });

  it('a damaged line with lines after it is still refused with its line number (WX_ERR_FILE)', async () => {
    const lines = plain.split('\n');
    lines[5] = lines[5]!.slice(0, 30);
    const file = join(dir, 'damaged.ndjson');
    await writeFile(file, lines.join('\n'));
    const run = await replay(file);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^WX_ERR_FILE: replay: .*damaged\.ndjson:6: not a recording line/m);
  });
});
