import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackTempName } from '../../services/spool/ack-file.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

interface Health { status: string; problems?: Array<{ code: string }>; spool: { state: string } }

/**
 * Red team 4: under a connection flood the ack file's write failed once (EMFILE) and the drainer
 * never acknowledged again for the rest of the run: nothing reclaimed, the spool filling, /healthz
 * "ok". Here the write fails for real (a folder where the ack's temp file goes: EISDIR) and heals.
 */
describe('an ack file write that fails is tried again, and /healthz says so meanwhile', () => {
  let test: TestPlatform;
  let blocker: string;
  const health = async () => {
    const response = await fetch(`${test.endpoints.httpUrl}/healthz`);
    return { status: response.status, body: (await response.json()) as Health };
  };

  beforeAll(async () => {
    test = await startTestPlatform();
    blocker = join(test.config.dataDir, 'spool', ackTempName);
  });
  afterAll(async () => {
    await rmdir(blocker).catch(() => undefined);
    await test?.close();
  });

  it('acknowledges everything once the write works again, and nothing is lost', async () => {
    const device = test.device('air-dongmen');
    const client = await test.connect(device);
    const topic = test.topics.build('air', device.id, 'telemetry');
    const startMs = Date.now() - 600_000;
    await mkdir(blocker);
    for (let k = 0; k < 20; k += 1) await client.publishAsync(topic, JSON.stringify({ ts: startMs + k * 1_000, pm25: 10 + k }), { qos: 1 });
    await expect.poll(async () => (await health()).body.spool.state, { timeout: 20_000, interval: 200 }).toBe('ack-failing');
    const failing = await health();
    expect(failing.status).toBe(503);
    expect(failing.body.problems?.map((problem) => problem.code)).toContain('WX_ERR_SPOOL_ACK_FAILED');
    expect(test.platform.ingest.spool.unacknowledgedRecords).toBeGreaterThan(0);
    // The folder goes: the next try writes the ack, and every later batch is acknowledged too.
    await rmdir(blocker);
    await expect.poll(async () => (await health()).body.spool.state, { timeout: 20_000, interval: 200 }).toBe('ok');
    for (let k = 20; k < 30; k += 1) await client.publishAsync(topic, JSON.stringify({ ts: startMs + k * 1_000, pm25: 10 + k }), { qos: 1 });
    await expect.poll(() => test.platform.ingest.spool.unacknowledgedRecords, { timeout: 20_000, interval: 100 }).toBe(0);
    expect(await test.countPoints('air_quality')).toBe(30);
    expect((await health()).status).toBe(200);
    await client.endAsync();
  }, 90_000);
});
