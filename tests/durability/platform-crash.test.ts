import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { freePort } from '../../services/storage/influxd-launcher.ts';
import { createTopics } from '../../services/topics.ts';
import { landedPerDevice, startAckedLoad } from '../../simulators/acked-load.ts';
import { startPlatformProcess } from '../helpers/platform-process.ts';

describe('the platform killed with SIGKILL under load', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('comes back; devices reconnect and resend; every reading lands once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-crash-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const database = `crash_${randomBytes(4).toString('hex')}`;
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    // The development key, which the load below derives its secrets from (not a key of this installation).
    const env = { INFLUX_URL: inject('influxUrl'), INFLUX_DB: database, WX_FLEET_KEY: defaultFleetKey, WX_DATA_DIR: dir, WX_MQTT_PORT: String(mqttPort), WX_MQTT_WS_PORT: '-1', WX_HTTP_PORT: String(httpPort), WX_LOG_LEVEL: 'warn' };
    let platform = await startPlatformProcess(env);
    cleanup.push(async () => void platform.kill('SIGKILL'));

    const registry = await loadRegistryFile('seeds/devices.json');
    const devices = registry.devices.slice(0, 100);
    const topics = createTopics('luohu');
    const load = await startAckedLoad({ url: `mqtt://127.0.0.1:${mqttPort}`, fleetKey: defaultFleetKey, topics, devices, intervalMs: 250 });
    cleanup.push(() => load.close());
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    platform.kill('SIGKILL');
    await new Promise((resolve) => platform.once('exit', resolve));
    const ackedBeforeCrash = load.ackedCount;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    platform = await startPlatformProcess(env);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await load.stop();
    expect(load.ackedCount).toBeGreaterThan(ackedBeforeCrash); // the devices came back and went on
    expect(load.ackedCount).toBe(load.sent); // everything sent, resent where needed, was acknowledged

    const influx = createInfluxClient({ url: inject('influxUrl'), database });
    cleanup.push(async () => void (await influx.query(`DROP DATABASE "${database}"`, { database: null })));
    const deadline = Date.now() + 60_000;
    let landed = await landedPerDevice(influx, devices);
    while ([...landed.values()].reduce((a, b) => a + b, 0) < load.sent && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      landed = await landedPerDevice(influx, devices);
    }
    // One point per reading: resent duplicates collapsed on (series, time).
    for (const device of devices) expect(landed.get(device.id), device.id).toBe(load.acked.get(device.id)!.size);
    expect([...landed.values()].reduce((a, b) => a + b, 0)).toBe(load.sent);
    platform.kill('SIGTERM');
    await new Promise((resolve) => platform.once('exit', resolve));
  }, 180_000);
});
