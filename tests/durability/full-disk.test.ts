import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReading } from '../../simulators/generate-reading.ts';
import { createSpool } from '../../services/spool/index.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { fill, smallDisk, unmount, until } from './small-disk.ts';

interface Health { status: string; problems?: Array<{ code: string }>; spool: { state: string }; disk?: { low: boolean } }

const work = await mkdtemp(join(tmpdir(), 'wanxiang-disk-'));
const disk = join(work, 'disk');
await mkdir(disk);
const notMounted = await smallDisk(disk);

describe.skipIf(notMounted !== undefined)(`a full disk under the data folder (issue 19, item 2)${notMounted ? ` — skipped: cannot mount a tmpfs (${notMounted})` : ''}`, () => {
  let test: TestPlatform;
  const dataDir = join(disk, 'data');
  const filler = join(disk, 'filler');
  const health = async () => {
    const answer = await fetch(`${test.endpoints.httpUrl}/healthz`);
    return { code: answer.status, body: (await answer.json()) as Health };
  };

  beforeAll(async () => {
    test = await startTestPlatform({ dataDir, disk: { lowFreePct: 20, checkIntervalMs: 200 }, spool: { segmentBytes: 256 * 1024, maxBytes: 64 * 1024 * 1024 } });
  });

  afterAll(async () => {
    await test?.close();
    if (notMounted === undefined) await unmount(disk);
    await rm(work, { recursive: true, force: true });
  });

  it('refuses readings with a reason instead of hanging, says so on /healthz, alarms before, and takes readings again once space returns, with no torn tail', async () => {
    const device = test.platform.registry.devices.find((d) => d.family === 'air')!;
    const topic = test.topics.build(device.family, device.id, 'telemetry');
    const reading = (ts: number) => JSON.stringify({ ts, ...generateReading(1, device, ts) });
    // More than the last page of the segment can hold (tmpfs allocates whole pages): a write that needs new blocks.
    const batch = (ts: number) => JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ ts: ts - i * 1_000, ...generateReading(1, device, ts - i * 1_000) })));
    const first = await test.connect(device);
    await first.publishAsync(topic, reading(Date.now() - 60_000), { qos: 1 });
    expect((await health()).body.status).toBe('ok');

    await fill(filler);
    // The disk-space alarm: before anything is refused, /healthz, the metric and the log say it.
    const low = await until(async () => { const h = await health(); return h.body.disk?.low ? h : undefined; }, 'the disk-low alarm');
    expect(low.code).toBe(503);
    expect(low.body.problems?.map((p) => p.code)).toContain('WX_ERR_DISK_LOW');
    expect(await test.metric('wanxiang_data_disk_low')).toBe(1);

    // A reading now: no PUBACK, the connection closed (the device keeps the message), never a hang.
    const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const acknowledged = first.publishAsync(topic, batch(Date.now() - 30_000), { qos: 1 });
    const outcome = await Promise.race([acknowledged.then(() => 'acknowledged', () => 'refused'), closed.then(() => 'closed')]);
    expect(outcome).not.toBe('acknowledged');
    expect(await test.metric('wanxiang_ingest_failures_total', { code: 'WX_ERR_DISK_FULL' })).toBeGreaterThanOrEqual(1);
    const full = await health();
    expect(full.code).toBe(503);
    expect(full.body.spool.state).toBe('disk-full');
    expect(full.body.problems?.map((p) => p.code)).toContain('WX_ERR_DISK_FULL');
    first.end(true);

    // Space returns: no restart, the next reading is stored and acknowledged.
    await rm(filler);
    const second = await test.connect(device);
    await second.publishAsync(topic, reading(Date.now() - 10_000), { qos: 1 });
    const back = await until(async () => { const h = await health(); return h.code === 200 ? h : undefined; }, '/healthz to be ok again');
    expect(back.body.spool.state).toBe('ok');
    await test.platform.ingest.drain();
    expect(await test.countPoints('air_quality')).toBeGreaterThanOrEqual(2);
  });

  it('leaves no torn tail: the spool opens clean after the platform stops', async () => {
    await test.platform.close();
    const spool = createSpool({ dir: join(dataDir, 'spool'), segmentBytes: 256 * 1024, maxBytes: 64 * 1024 * 1024 });
    const recovery = await spool.open();
    await spool.close();
    expect(recovery).toMatchObject({ tornTails: 0, corruptRecords: 0 });
  });
});
