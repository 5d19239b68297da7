import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, stackTrace } from './run-cli.ts';

/**
 * Red team 6: with WX_ALARM_WEBHOOKS set, backfill's own `webhooks: []` was merged into the list key
 * by key and the configuration refused the result ("expected array, received object"), so backfill
 * never ran on an installation that notifies anyone. It now gets past the configuration: here it
 * stops at the next step, finding no InfluxDB to count in, which needs no server.
 */
describe('backfill with WX_ALARM_WEBHOOKS set', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-backfill-webhooks-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('is not refused by the configuration', async () => {
    const run = await runCli(
      ['backfill', '--from', '2025-01-01', '--to', '2025-01-02', '--devices', '1', '--url', 'mqtt://127.0.0.1:1', '--data-dir', join(work, 'data')],
      { WX_ALARM_WEBHOOKS: 'json:http://127.0.0.1:9/alarm,robot:http://127.0.0.1:9/robot', INFLUX_URL: '' },
    );
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.stderr).not.toMatch(/WX_ERR_CONFIG/);
    expect(run.stderr).toMatch(/^WX_ERR_PLATFORM_NOT_FOUND: backfill: no InfluxDB to use/m);
    expect(run.code).toBe(1);
  });
});
