import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { fill, smallDisk, unmount, until } from './small-disk.ts';

const work = await mkdtemp(join(tmpdir(), 'wanxiang-disk-refusals-'));
const disk = join(work, 'disk');
await mkdir(disk);
const notMounted = await smallDisk(disk);

/**
 * Red team 11: the dead-letter file's write stream had no 'error' listener, so the first refusal
 * written on a full disk (a bad CRC, a publish on another device's topic: anyone's) was an
 * uncaught ENOSPC and the platform exited, with every device connected to it.
 */
describe.skipIf(notMounted !== undefined)(`a refusal on a full disk${notMounted ? ` — skipped: cannot mount a tmpfs (${notMounted})` : ''}`, () => {
  let test: TestPlatform;
  const dataDir = join(disk, 'data');
  const filler = join(disk, 'filler');

  beforeAll(async () => {
    test = await startTestPlatform({ dataDir, disk: { lowFreePct: 20, checkIntervalMs: 200 }, spool: { segmentBytes: 256 * 1024, maxBytes: 64 * 1024 * 1024 } });
  });

  afterAll(async () => {
    await test?.close();
    if (notMounted === undefined) await unmount(disk);
    await rm(work, { recursive: true, force: true });
  });

  it('loses only the record, not the platform: refusals are still counted, and written again once space returns', async () => {
    const [device, other] = test.platform.registry.devices.filter((d) => d.family === 'air');
    const othersTopic = test.topics.build(other!.family, other!.id, 'telemetry');
    const client = await test.connect(device!);

    await fill(filler);
    // Refused (not its own topic), acknowledged and kept in the dead-letter file: which the full disk refuses.
    for (let i = 0; i < 3; i += 1) await client.publishAsync(othersTopic, JSON.stringify({ pm25: 10 + i }), { qos: 1 });
    await until(async () => ((await test.metric('wanxiang_dead_letter_write_failures_total')) >= 1 ? true : undefined), 'the failed dead-letter write to be counted');
    expect(await test.metric('wanxiang_publishes_refused_total', { code: 'WX_ERR_TOPIC_NOT_ALLOWED' })).toBeGreaterThanOrEqual(3);
    // Still serving: the API answers (degraded once the disk check, every 200 ms, has seen the full
    // disk: under load that can come after the failed write is counted) and the device is still acknowledged.
    await until(async () => ((await fetch(`${test.endpoints.httpUrl}/healthz`)).status === 503 ? true : undefined), '/healthz to say the disk is full');
    await client.publishAsync(othersTopic, JSON.stringify({ pm25: 20 }), { qos: 1 });

    // Space returns: the next refusal is written, no restart needed.
    await rm(filler);
    await client.publishAsync(othersTopic, JSON.stringify({ pm25: 30 }), { qos: 1 });
    const written = await until(async () => {
      const text = await readFile(test.platform.ingest.deadLetterPath, 'utf8').catch(() => '');
      return text.includes('{\\"pm25\\":30}') ? text : undefined;
    }, 'the refusal after space returned in the dead-letter file');
    expect(written).toContain('WX_ERR_TOPIC_NOT_ALLOWED');
  });
});
