import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../services/ingest/spool-drainer.ts';
import { createSpool } from '../../services/spool/index.ts';
import { freePort, startLocalInfluxd } from '../../services/storage/influxd-launcher.ts';
import { landedPerDevice, startAckedLoad } from '../../simulators/acked-load.ts';
import { startTestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './helpers.ts';

describe('the spool under damage and at its quota', () => {
  it('cuts the corrupt record only, counts it, starts, and writes every intact record, those after it too', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-corrupt-'));
    const spool = createSpool({ dir: join(dataDir, 'spool'), segmentBytes: 8_192, maxBytes: 1_048_576 });
    await spool.open();
    const base = Date.now() - 60_000;
    for (let i = 0; i < 300; i += 1) {
      const line = `air_quality,device=air-dongmen,site=aqs-dongmen,street=dongmen pm25_ugm3=${i},recv_lag_ms=5i ${base + i}`;
      await spool.append([encodeRecord([{ family: 'air', device: 'air-dongmen', hour: 0, line }])]);
    }
    await spool.close();
    const segments = (await readdir(join(dataDir, 'spool'))).filter((name) => name.endsWith('.seg')).sort();
    expect(segments.length).toBeGreaterThan(3);
    const file = await open(join(dataDir, 'spool', segments[1]!), 'r+');
    const { size } = await file.stat();
    await file.write(Buffer.from([0xff, 0x00, 0xee]), 0, 3, Math.floor(size / 2));
    await file.close();

    const test = await startTestPlatform({ dataDir, rollups: { enabled: false } });
    await test.platform.ingest.drain();
    const corrupt = await test.metric('wanxiang_spool_cut_total', { kind: 'corrupt_record' });
    const recovered = await test.metric('wanxiang_spool_recovered_records_total');
    expect(corrupt).toBeGreaterThan(0);
    // Three bytes touch at most two records: the intact ones after them are written too.
    expect(corrupt).toBeLessThanOrEqual(2);
    expect(recovered + corrupt).toBe(300);
    expect(await test.countPoints('air_quality')).toBe(recovered);
    await test.close();
  }, 120_000);

  it('slows devices at the quota and loses no acknowledged reading', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-quota-'));
    const port = await freePort();
    let influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb'), port });
    const test = await startTestPlatform({ influx: { url: influxd.url, database: 'quota' }, spool: { maxBytes: 96 * 1024, segmentBytes: 16 * 1024 }, ingest: { retryMaxDelayMs: 500 }, rollups: { enabled: false } });
    await influxd.stop(); // InfluxDB down: the spool fills
    const devices = test.platform.registry.devices.slice(0, 20);
    const load = await startAckedLoad({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices, intervalMs: 50 });
    await waitFor(async () => (await test.metric('wanxiang_spool_full_waits_total')) > 0, 'the quota', 60_000);
    const stalledAt = load.ackedCount;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(load.sent - load.ackedCount).toBeGreaterThan(100); // acknowledgements wait: devices are slowed
    expect(load.ackedCount - stalledAt).toBeLessThan(50);
    expect(await test.metric('wanxiang_spool_bytes')).toBeLessThanOrEqual(96 * 1024);

    influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb'), port });
    await load.stop();
    expect(load.ackedCount).toBe(load.sent);
    await test.platform.ingest.drain();
    const landed = await landedPerDevice(test.platform.influx, devices);
    for (const device of devices) expect(landed.get(device.id), device.id).toBe(load.acked.get(device.id)!.size);
    await load.close();
    await test.close();
    await influxd.stop();
    await rm(dir, { recursive: true, force: true });
  }, 180_000);
});
