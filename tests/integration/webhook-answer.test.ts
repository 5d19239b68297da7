import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmChange } from '../../services/alarms/alarm-types.ts';
import { createWebhookNotifier } from '../../services/alarms/webhook-notifier.ts';
import { createLogger } from '../../services/log.ts';

const change: AlarmChange = {
  kind: 'opened',
  alarm: {
    id: 'air-aqi-realtime.air-huangbei.1', ruleId: 'air-aqi-realtime', family: 'air', deviceId: 'air-huangbei', severity: 'warning', state: 'open',
    textZh: '黄贝AQI 400', textEn: 'air-huangbei: AQI 400', value: 400, limit: 150,
    openedAtMs: 1, updatedAtMs: 1, acknowledgedAtMs: null, acknowledgedBy: null, closedAtMs: null, notes: [],
  },
};

const mib = 1 << 20;

/**
 * A receiver that answers 200 and then streams `totalBytes`, writing only as fast as the platform
 * reads (backpressure), so that what it managed to write is what the platform took in.
 */
async function startHugeAnswer(totalBytes: number) {
  const answers: Array<{ written: number; finished: boolean; closed: boolean }> = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const answer = { written: 0, finished: false, closed: false };
      answers.push(answer);
      response.on('close', () => (answer.closed = true));
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(mib, 0x78);
      const more = () => {
        while (answer.written < totalBytes && !response.destroyed) {
          answer.written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        if (!response.destroyed) response.end(() => (answer.finished = true));
      };
      more();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("a webhook receiver's answer is not read whole (red team 6: 1.5 GiB took the platform to 4.8 GB)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-webhook-answer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers on the status and hangs up on a 128 MiB answer after a few KiB', async () => {
    const receiver = await startHugeAnswer(128 * mib);
    const timeoutMs = 60_000;
    const notifier = createWebhookNotifier({
      log: createLogger('silent'), attempts: 1, baseDelayMs: 10, maxDelayMs: 50, timeoutMs, queueLimit: 10,
      webhooks: [{ url: `${receiver.url}/alarm/huge`, style: 'json' }], deadLetterPath: join(dir, 'dead.ndjson'),
    });
    try {
      const started = Date.now();
      notifier.notify(change);
      await notifier.idle();
      expect(Date.now() - started).toBeLessThan(timeoutMs); // ended by the platform, not by its timeout
      expect(notifier.stats()).toMatchObject({ delivered: 1, failedAttempts: 0, deadLettered: 0 });
      expect(receiver.answers).toHaveLength(1);
      // The platform closed the connection: the receiver could not finish its answer, and wrote no
      // more than the sockets' buffers hold (Linux grows a loopback receive buffer up to 32 MiB).
      await expect.poll(() => receiver.answers[0]!.closed).toBe(true);
      expect(receiver.answers[0]!.finished).toBe(false);
      expect(receiver.answers[0]!.written).toBeLessThan(64 * mib);
    } finally {
      await notifier.close();
      await receiver.close();
    }
  });
});
