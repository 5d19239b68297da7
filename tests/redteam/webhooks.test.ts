import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { platformNodeFlags } from '../../bench/lib/children.ts';
import { defaultFleetKey } from '../../services/config.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

// What an attacker who controls a webhook receiver (or reads the platform's logs) would want.
const robotKey = 'REDTEAM-WECOM-KEY-0f3c9a';
const dingTalkToken = 'REDTEAM-DINGTALK-TOKEN-7b21';
const departmentKey = 'REDTEAM-DEPARTMENT-KEY-51d0';
const secrets = [robotKey, dingTalkToken, departmentKey, 'key=', 'access_token', 'sign='];
const redirects = [301, 302, 303, 307, 308] as const;

/**
 * A hostile receiver on port 0: `/redirect/<status>` answers that redirect to `location`, anything
 * else answers 500 (so robots are retried and end in the dead-letter file). It keeps what it saw.
 */
async function startHostileReceiver(location: () => string) {
  const seen: Array<{ method: string; path: string }> = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const path = request.url ?? '/';
      seen.push({ method: request.method ?? '', path });
      const status = /^\/redirect\/(\d{3})/.exec(path)?.[1];
      if (status) response.writeHead(Number(status), { location: location() }).end();
      else response.writeHead(500).end('{}');
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

/** Resolves once `ready()` holds, asking again after each turn of the event loop; fails past the timeout. */
async function until(ready: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Issue 18, items 8 and 9, attacked through the whole platform: a real alarm (a real MQTT reading)
 * and a real event dispatched to a department, their webhooks pointing at a receiver that answers
 * with redirects to the platform's own InfluxDB (`CREATE DATABASE`, the finding's reproduction) or
 * fails so that robots' URLs, with their keys, reach every log line and dead-letter record there is.
 */
describe('red team: webhooks follow no redirect, keep to their hosts and never write a robot key down', () => {
  const influxUrl = inject('influxUrl');
  const pwned = `redteam_pwned_${randomBytes(4).toString('hex')}`;
  const logLines: string[] = [];
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startHostileReceiver>>;
  let test: TestPlatform;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-webhooks-'));
    receiver = await startHostileReceiver(() => `${influxUrl}/query?q=${encodeURIComponent(`CREATE DATABASE ${pwned}`)}`);
    const seed = JSON.parse(await readFile(new URL('../../seeds/departments.json', import.meta.url), 'utf8')) as { departments: Array<Record<string, unknown>> };
    for (const department of seed.departments) {
      if (department.id === 'eco-env') department.webhook = { url: `${receiver.url}/redirect/302/cgi-bin/webhook/send?key=${departmentKey}`, style: 'robot' };
    }
    await writeFile(join(dir, 'departments.json'), JSON.stringify(seed));
    test = await startTestPlatform({
      events: { departmentsFile: join(dir, 'departments.json') },
      alarms: {
        webhookAttempts: 2, webhookBaseDelayMs: 10, webhookMaxDelayMs: 20,
        webhookHosts: [new URL(receiver.url).host],
        webhooks: [
          ...redirects.map((status) => ({ url: `${receiver.url}/redirect/${status}/hook`, style: 'json' as const })),
          { url: `${receiver.url}/cgi-bin/webhook/send?key=${robotKey}`, style: 'robot' },
          { url: `${receiver.url}/robot/send?access_token=${dingTalkToken}&timestamp=1&sign=c2lnbg%3D%3D`, style: 'robot' },
        ],
      },
    }, { logLines });
  });
  afterAll(async () => {
    await test?.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('dead-letters every redirect without following it: the platform’s InfluxDB never hears of the receiver’s location', async () => {
    // PM2.5 250 µg/m³: an alarm (to every alarm webhook) and an event dispatched to eco-env (its robot).
    const device = await test.connect(test.device('air-guiyuan'));
    await device.publishAsync(test.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    const undeliverable = () => logLines.filter((line) => line.includes('WX_ERR_WEBHOOK_UNDELIVERABLE'));
    // Five redirects and two robots of the alarm, one robot of the department.
    await until(() => undeliverable().length >= 8, 'eight dead-lettered notifications');
    // The log line comes first, the dead-letter record a moment later: wait for the files too.
    const letters = (folder: string) => readFile(join(test.config.dataDir, folder, 'webhook-dead-letter.ndjson'), 'utf8').catch(() => '');
    await until(async () => {
      const [alarms, events] = await Promise.all([letters('alarms'), letters('events')]);
      return redirects.every((status) => alarms.includes(`/redirect/${status}/hook`)) && `${alarms}${events}`.includes('/robot/send') && `${alarms}${events}`.includes('/redirect/302/cgi-bin/webhook/send');
    }, 'the dead-letter records of the alarm and the event');
    for (const status of redirects) {
      // Asked once: a redirect is final, not a failure to retry.
      expect(receiver.seen.filter((seen) => seen.path === `/redirect/${status}/hook`), `${status}`).toEqual([{ method: 'POST', path: `/redirect/${status}/hook` }]);
    }
    expect(receiver.seen.filter((seen) => seen.path.startsWith('/redirect/302/cgi-bin'))).toHaveLength(1);
    const databases = await test.platform.influx.query('SHOW DATABASES', { database: null });
    expect(databases.flatMap((series) => series.values.map((row) => String(row[0])))).not.toContain(pwned);
    const records = (await readFile(join(test.config.dataDir, 'alarms', 'webhook-dead-letter.ndjson'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { reason: string; url: string });
    for (const status of redirects) expect(records.find((record) => record.url.endsWith(`/redirect/${status}/hook`))?.reason).toContain(`answered ${status}, a redirect (not followed)`);
  }, 90_000);

  it('writes no robot key, token or signature to a log line or a dead-letter file, which are the platform’s alone', async () => {
    const alarmLetters = join(test.config.dataDir, 'alarms', 'webhook-dead-letter.ndjson');
    const eventLetters = join(test.config.dataDir, 'events', 'webhook-dead-letter.ndjson');
    const stored = `${await readFile(alarmLetters, 'utf8')}${await readFile(eventLetters, 'utf8')}`;
    const logged = logLines.join('\n');
    for (const secret of secrets) {
      expect(logged, secret).not.toContain(secret);
      expect(stored, secret).not.toContain(secret);
    }
    // Named by origin and path, so an operator still knows which webhook failed.
    expect(logged).toContain(`${receiver.url}/cgi-bin/webhook/send`);
    expect(stored).toContain(`${receiver.url}/robot/send`);
    expect(stored).toContain(`${receiver.url}/redirect/302/cgi-bin/webhook/send`);
    for (const file of [alarmLetters, eventLetters]) expect((await stat(file)).mode & 0o077, file).toBe(0);
    // The receiver did get the key: only the receiver.
    expect(receiver.seen.some((seen) => seen.path.includes(robotKey))).toBe(true);
  });

  it('refuses to start with a webhook beyond WX_WEBHOOK_HOSTS, naming it without its key', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-hosts-'));
    try {
      // The metadata address a receiver's DNS could point at: not on the list, so nothing is ever sent to it.
      const child = spawn(process.execPath, [...platformNodeFlags, 'bin/wanxiang.js', 'start', '--data-dir', dataDir, '--influx-url', influxUrl, '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'], {
        env: {
          ...process.env, WX_FLEET_KEY: defaultFleetKey, INFLUX_DB: `redteam_${randomBytes(5).toString('hex')}`, WX_SIMULATE: '0', WX_LOG_LEVEL: 'debug',
          WX_WEBHOOK_HOSTS: 'qyapi.weixin.qq.com,oapi.dingtalk.com',
          WX_ALARM_WEBHOOKS: `robot:http://169.254.169.254/cgi-bin/webhook/send?key=${robotKey}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      expect(output).toContain('WX_ERR_CONFIG');
      expect(output).toContain('http://169.254.169.254/cgi-bin/webhook/send');
      for (const secret of secrets) expect(output, secret).not.toContain(secret);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
