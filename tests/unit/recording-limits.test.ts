import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecording } from '../../simulators/recording.ts';
import { recordingLimits } from '../../simulators/recording-lines.ts';

const header = `${JSON.stringify({ format: 'wanxiang-recording', version: 1, startedAt: 0, source: 'test' })}\n`;
const message = (n: number, payload = '{}') => `${JSON.stringify({ t: n, topic: `luohu/v1/air/air-dongmen/telemetry`, payload })}\n`;

/**
 * Red team 6: a recording of one 700 MB line (3 MB compressed) held 670 MB of memory and ended
 * replay with WX_ERR_INTERNAL "Invalid string length". A recording is input from anyone: its lines,
 * its size and its count are bounded, and a refusal names the line.
 */
describe('a recording is read within limits', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-recording-limits-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a line longer than 32 MiB, naming it', async () => {
    const path = join(dir, 'long-line.ndjson.gz');
    const long = 'x'.repeat(recordingLimits.maxLineBytes + 1_024);
    // Written as a stream: the file is small (a repeated byte compresses), the line is not.
    await pipeline(async function* () {
      yield header + message(1);
      yield `{"t":2,"topic":"luohu/v1/air/air-dongmen/telemetry","payload":"`;
      for (let i = 0; i < 4; i += 1) yield long.slice(0, long.length / 4);
      yield '"}\n';
      yield message(3);
    }, createGzip(), createWriteStream(path));
    await expect(loadRecording(path)).rejects.toMatchObject({
      code: 'WX_ERR_RECORDING_TOO_LARGE', message: expect.stringMatching(/long-line\.ndjson\.gz:3: a line longer than 32 MiB: the recording is refused$/), value: 3,
    });
  });

  it('takes a line of exactly the limit, and plain NDJSON with CR LF line ends', async () => {
    const path = join(dir, 'crlf.ndjson');
    const payload = 'y'.repeat(1_000);
    await writeFile(path, (header + message(1) + message(2, payload)).replaceAll('\n', '\r\n'));
    const limit = Buffer.byteLength(message(2, payload)); // the line's text and its CR, without the LF
    const { messages } = await loadRecording(path, { maxLineBytes: limit });
    expect(messages.map((entry) => entry.payload)).toEqual(['{}', payload]);
    await expect(loadRecording(path, { maxLineBytes: limit - 1 })).rejects.toMatchObject({ code: 'WX_ERR_RECORDING_TOO_LARGE', value: 3 });
  });

  it('refuses a whole file beyond its size or its count of lines, when it is read whole', async () => {
    const path = join(dir, 'many.ndjson.gz');
    await writeFile(path, gzipSync(header + Array.from({ length: 50 }, (_, n) => message(n)).join('')));
    expect((await loadRecording(path)).messages).toHaveLength(50);
    await expect(loadRecording(path, { maxLines: 20 })).rejects.toMatchObject({ code: 'WX_ERR_RECORDING_TOO_LARGE', message: expect.stringMatching(/:21: more than 20 lines/) });
    await expect(loadRecording(path, { maxBytes: 1_000 })).rejects.toMatchObject({ code: 'WX_ERR_RECORDING_TOO_LARGE', message: expect.stringMatching(/:\d+: the file holds more than 1000 bytes uncompressed/) });
  });
});
