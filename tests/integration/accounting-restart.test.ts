import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { freePort, startLocalInfluxd } from '../../services/storage/influxd-launcher.ts';
import { createTopics } from '../../services/topics.ts';
import { landedPerDevice, startAckedLoad } from '../../simulators/acked-load.ts';
import { startPlatformProcess } from '../helpers/platform-process.ts';

// Issue 13 item 12: after a restart, the rows an earlier run left in the spool are reconciled
// (counted from the spool's recovery, then looked up in InfluxDB once written), not
// counted as "recovered" with no check. Real processes: the platform as `npm start` runs it,
// its own influxd (paused with SIGSTOP so that the spool holds readings when the platform dies).

interface AccountingAnswer {
  unexplained: number;
  gaps: unknown[];
  rows: Array<{ recovered: number; gap: number }>;
  recovery: { records: number; readings: number; sampled: number; found: number; state: string };
}

describe('accounting across a restart', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('reconciles what the killed run left in the spool with the recovery and with InfluxDB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-restart-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb') });
    cleanup.push(() => influxd.stop());
    cleanup.push(async () => void process.kill(influxd.pid, 'SIGCONT'));
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const env = { INFLUX_URL: influxd.url, INFLUX_DB: 'restart', WX_FLEET_KEY: defaultFleetKey, WX_DATA_DIR: join(dir, 'data'), WX_MQTT_PORT: String(mqttPort), WX_MQTT_WS_PORT: '-1', WX_HTTP_PORT: String(httpPort), WX_LOG_LEVEL: 'warn' };
    let platform = await startPlatformProcess(env);
    cleanup.push(async () => void platform.kill('SIGKILL'));

    const devices = (await loadRegistryFile('seeds/devices.json')).devices.slice(0, 20);
    const load = await startAckedLoad({ url: `mqtt://127.0.0.1:${mqttPort}`, fleetKey: defaultFleetKey, topics: createTopics('luohu'), devices, intervalMs: 200 });
    cleanup.push(() => load.close());
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // InfluxDB stops answering: acknowledged readings stay in the spool.
    process.kill(influxd.pid, 'SIGSTOP');
    const ackedBefore = load.ackedCount;
    while (load.ackedCount < ackedBefore + 100) await new Promise((resolve) => setTimeout(resolve, 100));
    await load.stop();
    platform.kill('SIGKILL');
    await new Promise((resolve) => platform.once('exit', resolve));
    process.kill(influxd.pid, 'SIGCONT');

    platform = await startPlatformProcess(env);
    let answer: AccountingAnswer;
    for (;;) {
      answer = (await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/accounting`)).json()) as AccountingAnswer;
      if (answer.recovery.state !== 'pending') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(answer.recovery.state).toBe('reconciled');
    expect(answer.recovery.readings).toBeGreaterThanOrEqual(100);
    expect(answer.recovery.found).toBe(answer.recovery.sampled);
    expect(answer.rows.reduce((sum, row) => sum + row.recovered, 0)).toBe(answer.recovery.readings);
    expect(answer.unexplained).toBe(0);
    expect(answer.gaps).toEqual([]);

    // And every acknowledged reading is in InfluxDB once.
    const influx = createInfluxClient({ url: influxd.url, database: 'restart' });
    const landed = await landedPerDevice(influx, devices);
    expect([...landed.values()].reduce((a, b) => a + b, 0)).toBe(load.ackedCount);
    platform.kill('SIGTERM');
    await new Promise((resolve) => platform.once('exit', resolve));
  }, 120_000);
});
