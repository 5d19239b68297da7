import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../services/config.ts';
import { createTopics } from '../../services/topics.ts';
import { createRecordingWriter } from '../../simulators/recording.ts';
import { runCli, stackTrace } from './run-cli.ts';

/**
 * Red team 6's hostile recordings, replayed as a user would. Neither needs a broker: the recording
 * is read, and its devices looked up, before any connection (port 1 has no broker).
 */
describe('replay of a hostile recording', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-hostile-recording-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const replay = (file: string) => runCli(['replay', file, '--url', 'mqtt://127.0.0.1:1', '--hj212-url', 'tcp://127.0.0.1:1', '--speed', 'max', '--data-dir', join(dir, 'data')]);

  it('names devices called constructor and __proto__ like any other unknown device', async () => {
    const path = join(dir, 'names.ndjson.gz');
    const topics = createTopics(parseConfig({}).mqtt.topicPrefix);
    const writer = createRecordingWriter(path, { startedAt: 0, source: 'test' });
    writer.write({ t: 1, topic: topics.build('air', 'constructor', 'telemetry'), payload: '{"pm25":1}' });
    writer.write({ t: 2, station: 'constructor', hj212: '##0000\r\n' });
    writer.write({ t: 3, station: '__proto__', hj212: '##0000\r\n' });
    writer.write({ t: 4, station: 'toString', hj212: '##0000\r\n' });
    await writer.close();
    const run = await replay(path);
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { unknownDevices: Record<string, unknown>; skipped: { unknownDevice: number } };
    expect(Object.entries(report.unknownDevices).sort()).toEqual([['__proto__', 1], ['constructor', 2], ['toString', 1]]);
    expect(report.skipped.unknownDevice).toBe(4);
    expect(run.stderr).toMatch(/4 messages of devices this registry does not hold were skipped: .*__proto__/);
  });

  it('refuses a frame at t 1e300 with a coded error naming the line, not WX_ERR_INTERNAL', async () => {
    const path = join(dir, 'far-time.ndjson.gz');
    await pipeline(async function* () {
      yield `${JSON.stringify({ format: 'wanxiang-recording', version: 1, startedAt: 0, source: 'test' })}\n`;
      yield `${JSON.stringify({ t: 1e300, station: 'air-dongmen', hj212: '##0000\r\n' })}\n`;
      // A whole line after it: the bad line is not the torn tail of an interrupted recording.
      yield `${JSON.stringify({ t: 2, station: 'air-dongmen', hj212: '##0000\r\n' })}\n`;
    }, createGzip(), createWriteStream(path));
    const run = await replay(path);
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.stderr).not.toMatch(/WX_ERR_INTERNAL/);
    expect(run.stderr).toMatch(/^WX_ERR_\w+: replay: .*far-time\.ndjson\.gz:2/m);
    expect(run.code).toBe(1);
  });

  it('refuses a recording with a line of 40 MiB: one WX_ERR_RECORDING_TOO_LARGE line naming it, exit 1', async () => {
    const path = join(dir, 'long-line.ndjson.gz');
    const piece = 'x'.repeat(1 << 20);
    await pipeline(async function* () {
      yield `${JSON.stringify({ format: 'wanxiang-recording', version: 1, startedAt: 0, source: 'test' })}\n`;
      yield '{"t":1,"topic":"luohu/v1/air/air-dongmen/telemetry","payload":"';
      for (let i = 0; i < 40; i += 1) yield piece;
      yield '"}\n';
    }, createGzip(), createWriteStream(path));
    const run = await replay(path);
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.stderr).toMatch(/^WX_ERR_RECORDING_TOO_LARGE: replay: .*long-line\.ndjson\.gz:2: a line longer than 32 MiB: the recording is refused$/m);
    expect(run.code).toBe(1);
  });
});
