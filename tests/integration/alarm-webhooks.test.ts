import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm, AlarmChange } from '../../services/alarms/alarm-types.ts';
import { createWebhookNotifier, type WebhookNotifier } from '../../services/alarms/webhook-notifier.ts';
import { createLogger } from '../../services/log.ts';
import { startTestPlatform } from '../helpers/test-platform.ts';

interface Received {
  readonly path: string;
  readonly body: unknown;
}

/** A local stand-in for the webhook's far end: answers 500 to the first `failures` POSTs of each path. */
async function startReceiver(failures: number | 'always') {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const waiters: Array<() => void> = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const n = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, n);
      if (failures === 'always' || n <= failures) {
        response.writeHead(500).end('not now');
        return;
      }
      received.push({ path, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}');
      waiters.splice(0).forEach((resolve) => resolve());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, received, attempts,
    async waitFor(count: number) {
      while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const alarm: Alarm = {
  id: 'air-aqi-realtime.air-guiyuan.abc', ruleId: 'air-aqi-realtime', family: 'air', deviceId: 'air-guiyuan', severity: 'warning', state: 'open',
  textZh: '桂园空气质量监测站实时AQI为300，高于150', textEn: 'air-guiyuan: real-time AQI 300, above 150', value: 300, limit: 150,
  openedAtMs: 1, updatedAtMs: 1, acknowledgedAtMs: null, acknowledgedBy: null, closedAtMs: null, notes: [],
};
const change: AlarmChange = { kind: 'opened', alarm };

describe('alarm webhooks against a local HTTP receiver', () => {
  let dir: string;
  let notifier: WebhookNotifier | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-webhooks-'));
  });
  afterEach(async () => {
    await notifier?.close();
    notifier = undefined;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const options = (urls: Array<{ url: string; style: 'json' | 'robot' }>, deadLetterPath: string) => ({
    webhooks: urls, deadLetterPath, log: createLogger('silent'), attempts: 4, baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 2_000, queueLimit: 10,
  });

  it('retries with backoff until the receiver takes it, in both body styles', async () => {
    const receiver = await startReceiver(2);
    notifier = createWebhookNotifier(options([{ url: `${receiver.url}/json`, style: 'json' }, { url: `${receiver.url}/robot`, style: 'robot' }], join(dir, 'a.ndjson')));
    notifier.notify(change);
    await receiver.waitFor(2);
    await notifier.idle();
    expect(receiver.attempts.get('/json')).toBe(3);
    expect(receiver.attempts.get('/robot')).toBe(3);
    expect(receiver.received.find((entry) => entry.path === '/json')!.body).toEqual({ kind: 'opened', alarm });
    const robot = receiver.received.find((entry) => entry.path === '/robot')!.body as { msgtype: string; text: { content: string } };
    expect(robot.msgtype).toBe('text');
    expect(Object.keys(robot)).toEqual(['msgtype', 'text']);
    expect(robot.text.content).toContain('【万象告警】桂园空气质量监测站实时AQI为300');
    expect(robot.text.content).toContain('[Wanxiang ALARM] air-guiyuan: real-time AQI 300');
    expect(notifier.stats()).toMatchObject({ delivered: 2, failedAttempts: 4, deadLettered: 0 });
    // A chat group is not told of every worse value: `updated` goes to the JSON webhook only.
    notifier.notify({ kind: 'updated', alarm: { ...alarm, value: 400 } });
    await receiver.waitFor(3);
    await notifier.idle();
    expect(receiver.received.map((entry) => entry.path)).toEqual(expect.arrayContaining(['/json', '/robot', '/json']));
    expect(receiver.received.filter((entry) => entry.path === '/robot')).toHaveLength(1);
    await receiver.close();
  });

  it('keeps what is never delivered in the dead-letter file, with its code', async () => {
    const receiver = await startReceiver('always');
    const deadLetterPath = join(dir, 'dead.ndjson');
    notifier = createWebhookNotifier(options([{ url: `${receiver.url}/robot`, style: 'robot' }], deadLetterPath));
    notifier.notify(change);
    notifier.notify({ kind: 'closed', alarm: { ...alarm, state: 'closed', closedAtMs: 2 } });
    await notifier.idle();
    expect(receiver.attempts.get('/robot')).toBe(8);
    const lines = (await readFile(deadLetterPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ code: 'WX_ERR_WEBHOOK_UNDELIVERABLE', url: `${receiver.url}/robot`, alarmId: alarm.id, change: 'opened', reason: expect.stringContaining('answered 500') });
    expect(JSON.parse(lines[0]!.body as string)).toMatchObject({ msgtype: 'text' });
    expect(notifier.stats()).toMatchObject({ delivered: 0, deadLettered: 2 });
    await receiver.close();
  });

  it('dead-letters at once when the queue is full, without waiting on the receiver', async () => {
    const receiver = await startReceiver('always');
    const deadLetterPath = join(dir, 'full.ndjson');
    notifier = createWebhookNotifier({ ...options([{ url: receiver.url, style: 'json' }], deadLetterPath), queueLimit: 1, attempts: 1 });
    for (let i = 0; i < 5; i += 1) notifier.notify(change);
    await notifier.idle();
    const reasons = (await readFile(deadLetterPath, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { reason: string }).reason);
    expect(reasons.filter((reason) => reason === 'queue full').length).toBeGreaterThanOrEqual(3);
    expect(reasons).toHaveLength(5);
    await receiver.close();
  });

  it('posts the changes of a running platform to its configured webhooks', async () => {
    const receiver = await startReceiver(1);
    const test = await startTestPlatform({ alarms: { webhooks: [{ url: `${receiver.url}/hook`, style: 'json' }], webhookBaseDelayMs: 20 } });
    try {
      const device = await test.connect(test.device('air-huangbei'));
      await device.publishAsync(test.topics.build('air', 'air-huangbei', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
      await receiver.waitFor(1);
      expect(receiver.received[0]!.body).toMatchObject({ kind: 'opened', alarm: { deviceId: 'air-huangbei', ruleId: 'air-aqi-realtime' } });
      expect(receiver.attempts.get('/hook')).toBeGreaterThanOrEqual(2);
      expect(await test.metric('wanxiang_alarm_webhook_failures_total', { code: 'WX_ERR_WEBHOOK_FAILED' })).toBeGreaterThanOrEqual(1);
      expect(await test.metric('wanxiang_alarm_changes_total', { rule: 'air-aqi-realtime', kind: 'opened' })).toBe(1);
    } finally {
      await test.close();
      await receiver.close();
    }
  });
});
