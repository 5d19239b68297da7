import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { encodeFrame } from '../../services/hj212/reply.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { freePort } from '../../services/storage/influxd-launcher.ts';
import { connectStation } from '../../simulators/hj212-client.ts';
import { stationIds, writeStationRegistry } from '../fixtures/hj212-registry.ts';
import { startPlatformProcess } from '../helpers/platform-process.ts';
import { waitFor } from './helpers.ts';

describe('the platform killed with SIGKILL right after its HJ 212 answers', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('loses nothing it answered for: after a restart every answered hour is in InfluxDB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-hj212-crash-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const database = `hj212crash_${randomBytes(4).toString('hex')}`;
    const registryFile = await writeStationRegistry(dir);
    const [mqttPort, httpPort, hj212Port] = [await freePort(), await freePort(), await freePort()];
    const env = {
      INFLUX_URL: inject('influxUrl'), INFLUX_DB: database, WX_FLEET_KEY: defaultFleetKey, WX_REGISTRY_FILE: registryFile, WX_DATA_DIR: join(dir, 'data'),
      WX_MQTT_PORT: String(mqttPort), WX_MQTT_WS_PORT: '-1', WX_HTTP_PORT: String(httpPort), WX_HJ212_PORT: String(hj212Port), WX_LOG_LEVEL: 'warn',
    };
    let platform = await startPlatformProcess(env);
    cleanup.push(async () => void platform.kill('SIGKILL'));
    const connection = await connectStation({ host: '127.0.0.1', port: hj212Port });
    // Hours of today: within the default age limit.
    const hourStart = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
    const dataTime = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const answered: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const start = hourStart + i * 3_600_000;
      connection.send(encodeFrame(`QN=${dataTime(start)}00${i};ST=22;CN=2061;PW=123456;MN=JLYP01_AIR01_0001;Flag=5;CP=&&DataTime=${dataTime(start)};a34004-Avg=${20 + i},a34004-Flag=N&&`));
      expect(await connection.nextReply()).toContain('CN=9014');
      answered.push(start);
    }
    // At once, before the drainer can have written to InfluxDB: only the spool holds them.
    platform.kill('SIGKILL');
    await new Promise((resolve) => platform.once('exit', resolve));
    platform = await startPlatformProcess(env);
    const influx = createInfluxClient({ url: inject('influxUrl'), database });
    cleanup.push(async () => void (await influx.query(`DROP DATABASE "${database}"`, { database: null })));
    const hours = async () => (await influx.query(`SELECT pm25_ugm3 FROM air_quality_hj212 WHERE device = '${stationIds.air2}'`)).flatMap((series) => series.values.map((row) => row[0] as number));
    await waitFor(async () => (await hours()).length >= answered.length, 'the answered hours in InfluxDB');
    expect((await hours()).sort()).toEqual(answered);
    platform.kill('SIGTERM');
    await new Promise((resolve) => platform.once('exit', resolve));
  }, 180_000);
});
