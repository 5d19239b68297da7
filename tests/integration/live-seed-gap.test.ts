import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { createPlatform, type Platform } from '../../services/platform.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

interface LiveDevice { id: string; freshness: string; gapMs: number | null; judgedIntervalMs: number }
interface LiveAnswer { families: Array<{ devices: LiveDevice[] }>; tiles: Array<{ id: string; value: number; of: number }> }

/**
 * The wall's "now" after a restart with no new data: a device is judged by the gap it showed before
 * the restart, not by its registered interval alone. An air station registered at 5 minutes and
 * heard every 5 s is late 2 minutes after its last reading; once the platform restarted it was
 * judged by the 5 minutes again, so a station dead for 2.5 minutes read fresh and online.
 */
describe('/api/v1/live after a restart: freshness judged by the gap stored before it', () => {
  let test: TestPlatform;
  let restarted: Platform | undefined;

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
  });
  afterAll(async () => {
    if (restarted) {
      await restarted.close();
      await restarted.influx.query(`DROP DATABASE "${test.config.influx.database}"`, { database: null }).catch(() => undefined);
      await rm(test.config.dataDir, { recursive: true, force: true });
    } else await test?.close();
  });

  it('keeps a station that stopped 150 s ago late, and out of the online count', async () => {
    const station = test.device('air-huangbei');
    expect(station.reportIntervalMs).toBe(300_000);
    const last = Date.now() - 150_000;
    // Its last two readings, 5 s apart, as ingest stores them (received as stamped).
    await test.platform.influx.write([
      `air_quality,device=${station.id} pm25_ugm3=30,pm10_ugm3=50,recv_lag_ms=0i ${last - 5_000}`,
      `air_quality,device=${station.id} pm25_ugm3=31,pm10_ugm3=50,recv_lag_ms=0i ${last}`,
    ].join('\n'));
    await test.platform.close();
    restarted = createPlatform(test.config, createLogger('silent'));
    const { httpUrl } = await restarted.start();
    const live = (await (await fetch(`${httpUrl}/api/v1/live`)).json()) as LiveAnswer;
    const device = live.families.flatMap((f) => f.devices).find((d) => d.id === station.id)!;
    expect(device.gapMs).toBe(5_000);
    // Judged by its family's 60 s (never below it), as before the restart: late after 120 s.
    expect(device.judgedIntervalMs).toBe(60_000);
    expect(device.freshness).toBe('late');
    const online = live.tiles.find((tile) => tile.id === 'online')!;
    const fresh = live.families.flatMap((f) => f.devices).filter((d) => d.freshness === 'fresh').length;
    expect(online.value).toBe(fresh);
  });
});
