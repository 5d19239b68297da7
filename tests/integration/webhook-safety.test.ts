import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmChange } from '../../services/alarms/alarm-types.ts';
import { createWebhookNotifier, type WebhookNotifier } from '../../services/alarms/webhook-notifier.ts';
import { configFromEnv } from '../../services/config-env.ts';
import { isWanxiangError } from '../../services/errors.ts';
import { createLogger } from '../../services/log.ts';

/** A local HTTP server on port 0 answering every request with `answer(path)`; it records what it saw. */
async function startServer(answer: (path: string) => { status: number; headers?: Record<string, string> }) {
  const seen: Array<{ method: string; path: string }> = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      seen.push({ method: request.method ?? '', path: request.url ?? '/' });
      const { status, headers } = answer(request.url ?? '/');
      response.writeHead(status, headers).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A logger whose lines are kept for the test to read. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString('utf8')); done(); } });
  return { log: createLogger('debug', stream), text: () => lines.join('') };
}

const change: AlarmChange = {
  kind: 'opened',
  alarm: {
    id: 'air-aqi-realtime.air-guiyuan.1', ruleId: 'air-aqi-realtime', family: 'air', deviceId: 'air-guiyuan', severity: 'warning', state: 'open',
    textZh: '桂园AQI 300', textEn: 'air-guiyuan: AQI 300', value: 300, limit: 150,
    openedAtMs: 1, updatedAtMs: 1, acknowledgedAtMs: null, acknowledgedBy: null, closedAtMs: null, notes: [],
  },
};

describe('webhook delivery refuses redirects and keeps robot keys out of logs and files (issue 18, items 8 and 9)', () => {
  let dir: string;
  let notifier: WebhookNotifier | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-webhook-safety-'));
  });
  afterEach(async () => {
    await notifier?.close();
    notifier = undefined;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const base = { log: createLogger('silent'), attempts: 3, baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 5_000, queueLimit: 10 };

  it('does not follow a 307 to a local server: the notification is dead-lettered, not retried, and the target never hears of it', async () => {
    const target = await startServer(() => ({ status: 200 }));
    const redirector = await startServer(() => ({ status: 307, headers: { location: `${target.url}/query?q=CREATE%20DATABASE%20x` } }));
    const deadLetterPath = join(dir, 'redirect.ndjson');
    try {
      notifier = createWebhookNotifier({ ...base, webhooks: [{ url: `${redirector.url}/hook`, style: 'json' }], deadLetterPath });
      notifier.notify(change);
      await notifier.idle();
      expect(target.seen).toEqual([]);
      expect(redirector.seen).toEqual([{ method: 'POST', path: '/hook' }]);
      const [record] = (await readFile(deadLetterPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(record).toMatchObject({ code: 'WX_ERR_WEBHOOK_UNDELIVERABLE', reason: expect.stringContaining('answered 307, a redirect (not followed)') });
      expect(notifier.stats()).toMatchObject({ delivered: 0, deadLettered: 1 });
    } finally {
      await target.close();
      await redirector.close();
    }
  });

  it('refuses a webhook whose host is not on the allow-list, and delivers to one that is', async () => {
    const receiver = await startServer(() => ({ status: 200 }));
    try {
      let refused: unknown;
      try {
        createWebhookNotifier({ ...base, webhooks: [{ url: `${receiver.url}/hook?key=SECRET-KEY-0001`, style: 'robot' }], deadLetterPath: join(dir, 'x.ndjson'), allowedHosts: ['qyapi.weixin.qq.com'] });
      } catch (error) {
        refused = error;
      }
      expect(isWanxiangError(refused) && refused.code).toBe('WX_ERR_CONFIG');
      expect((refused as Error).message).toContain(`${receiver.url}/hook`);
      expect((refused as Error).message).not.toContain('SECRET-KEY-0001');
      const host = new URL(receiver.url).host;
      notifier = createWebhookNotifier({ ...base, webhooks: [{ url: `${receiver.url}/hook`, style: 'json' }], deadLetterPath: join(dir, 'y.ndjson'), allowedHosts: ['QYAPI.weixin.qq.com', host] });
      notifier.notify(change);
      await notifier.idle();
      expect(receiver.seen).toEqual([{ method: 'POST', path: '/hook' }]);
      // A department's webhook sent through send() is held to the same list.
      notifier.send({ url: 'http://169.254.169.254/latest', style: 'json' }, '{}', 'event-1', 'dispatched');
      await notifier.idle();
      expect(notifier.stats()).toMatchObject({ delivered: 1, deadLettered: 1 });
    } finally {
      await receiver.close();
    }
  });

  it('never writes a WeCom or DingTalk robot key to the log or the dead-letter file: origin and path only', async () => {
    const receiver = await startServer(() => ({ status: 500 }));
    const { log, text } = capturedLogger();
    const deadLetterPath = join(dir, 'robot.ndjson');
    const wecom = `${receiver.url}/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa`;
    const dingtalk = `${receiver.url}/robot/send?access_token=DINGTALK-TOKEN-abcdef0123456789&timestamp=1&sign=SIGNATURE-xyz`;
    try {
      notifier = createWebhookNotifier({ ...base, log, webhooks: [{ url: wecom, style: 'robot' }, { url: dingtalk, style: 'robot' }], deadLetterPath });
      notifier.notify(change);
      await notifier.idle();
      const logged = text();
      const stored = await readFile(deadLetterPath, 'utf8');
      expect(receiver.seen.filter((seen) => seen.path.includes('key=693a91f6')).length).toBe(3);
      for (const secret of ['693a91f6', 'DINGTALK-TOKEN', 'SIGNATURE-xyz', 'key=', 'access_token']) {
        expect(logged).not.toContain(secret);
        expect(stored).not.toContain(secret);
      }
      expect(logged).toContain(`${receiver.url}/cgi-bin/webhook/send`);
      expect(logged).toContain(`${receiver.url}/robot/send`);
      const urls = stored.trim().split('\n').map((line) => (JSON.parse(line) as { url: string }).url).sort();
      expect(urls).toEqual([`${receiver.url}/cgi-bin/webhook/send`, `${receiver.url}/robot/send`]);
      // The file is the platform's alone (issue 18, item 17 asks the same of every data file).
      expect((await stat(deadLetterPath)).mode & 0o077).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('takes the allow-list from WX_WEBHOOK_HOSTS', () => {
    expect(configFromEnv({ WX_WEBHOOK_HOSTS: 'qyapi.weixin.qq.com, oapi.dingtalk.com,ops.example:8443' }).alarms.webhookHosts).toEqual(['qyapi.weixin.qq.com', 'oapi.dingtalk.com', 'ops.example:8443']);
    expect(configFromEnv({}).alarms.webhookHosts).toBeUndefined();
  });
});
