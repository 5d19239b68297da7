import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistrictEvent } from '../../services/events/index.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

type Notice = { kind: string; record: Record<string, unknown>; event: Omit<DistrictEvent, 'timeline'>; department: string };

const readerToken = 'reader-token-joining-0123456789abcdef';

/**
 * Which alarms join one event (issue 23, item 2; docs/events.md): the same family, street and
 * group of rules. A station's silence and a PM2.5 episode at other stations are two matters for
 * two kinds of work; before, the episode's alarms only "joined" the silence's event, and the
 * bureau was never told of them.
 */
describe('related alarms, on a running platform with every device silent', () => {
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver<Notice>>>;
  let test: TestPlatform;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-events-joining-'));
    receiver = await startWebhookReceiver<Notice>();
    const seed = JSON.parse(await readFile(new URL('../../seeds/departments.json', import.meta.url), 'utf8')) as { departments: Array<Record<string, unknown>> };
    for (const department of seed.departments) {
      if (department.id === 'eco-env' || department.id === 'water') department.webhook = { url: `${receiver.url}/${department.id}`, style: 'json' };
    }
    await writeFile(join(dir, 'departments.json'), JSON.stringify(seed));
    // Silence after 3 × 200 ms: every device of the registry is soon silent, as after an outage.
    test = await startTestPlatform({
      alarms: { reportIntervalMs: 200, sweepIntervalMs: 50, webhookBaseDelayMs: 20 },
      events: { departmentsFile: join(dir, 'departments.json'), sweepIntervalMs: 600_000 },
      http: { tokens: [{ role: 'reader', token: readerToken }] },
    });
  }, 60_000);
  afterAll(async () => {
    await test?.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The event holding an alarm of the rule, once it is dispatched (it opens, then is routed: two changes). */
  const eventWith = (family: DistrictEvent['family'], ruleId: string) => new Promise<DistrictEvent>((resolve) => {
    const events = test.platform.events!;
    const held = () => events.list({ family }).find((event) => event.department !== null && event.alarms.some((alarm) => alarm.ruleId === ruleId));
    const found = held();
    if (found) return resolve(found);
    const stop = events.onChange(() => {
      const now = held();
      if (now) {
        stop();
        resolve(now);
      }
    });
  });

  it('opens a new event for a PM2.5 episode while a station’s silence has one, and the bureau’s webhook hears of it', async () => {
    const silence = await eventWith('air', 'device-silent');
    expect(silence).toMatchObject({ street: null, department: 'eco-env' });

    const device = await test.connect(test.device('air-huangbei'));
    await device.publishAsync(test.topics.build('air', 'air-huangbei', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    const episode = await eventWith('air', 'air-aqi-realtime');

    // Two events: the episode is its own, opened (not joined) by the AQI alarm and dispatched to the bureau.
    expect(episode.id).not.toBe(silence.id);
    expect(episode.alarms.map((alarm) => alarm.ruleId)).toEqual(['air-aqi-realtime']);
    expect(episode.timeline.map((record) => record.kind).slice(0, 2)).toEqual(['opened', 'dispatched']);
    expect(episode).toMatchObject({ state: 'dispatched', department: 'eco-env' });
    expect(episode.titleZh).toContain('AQI');
    const stillSilent = test.platform.events!.get(silence.id)!;
    expect(stillSilent.alarms.every((alarm) => alarm.ruleId === 'device-silent')).toBe(true);
    expect(stillSilent.titleZh).toContain('无数据');

    const notice = await receiver.waitFor((hook) => hook.path === '/eco-env' && hook.body.kind === 'dispatched' && hook.body.event.id === episode.id);
    expect(notice.body.event).toMatchObject({ family: 'air', alarms: [{ ruleId: 'air-aqi-realtime', deviceId: 'air-huangbei' }] });
  });

  it('raises the event’s severity, title and due times when a more severe alarm joins, and tells the department', async () => {
    const device = await test.connect(test.device('waterlogging-wenjin-school'));
    const topic = test.topics.build('waterlogging', 'waterlogging-wenjin-school', 'telemetry');
    // Two readings at 20 cm: the caution depth (15 cm) is held (debounce 2), a warning.
    for (let i = 0; i < 2; i += 1) await device.publishAsync(topic, JSON.stringify({ depth: 20 }), { qos: 1 });
    const caution = await eventWith('waterlogging', 'waterlogging-caution');
    expect(caution).toMatchObject({ severity: 'warning', state: 'dispatched', department: 'water' });
    const dispatchedAt = caution.dispatchedAtMs!;
    expect(caution.ackDueAtMs).toBe(dispatchedAt + 30 * 60_000);

    // 30 cm: impassable for cars (27 cm), a critical alarm of the same kind of condition joins.
    for (let i = 0; i < 2; i += 1) await device.publishAsync(topic, JSON.stringify({ depth: 30 }), { qos: 1 });
    const notice = await receiver.waitFor((hook) => hook.path === '/water' && hook.body.kind === 'severity-raised' && hook.body.event.id === caution.id);
    expect(notice.body.record).toMatchObject({ from: 'warning', severity: 'critical' });
    // Due times by the new severity (10 min to start, 4 h to resolve), counted from the dispatch.
    expect(notice.body.event).toMatchObject({ severity: 'critical', ackDueAtMs: dispatchedAt + 10 * 60_000, resolveDueAtMs: dispatchedAt + 4 * 3_600_000 });
    expect(notice.body.event.titleZh).toContain('车辆不宜通行');

    const response = await fetch(`${test.endpoints.httpUrl}/api/v1/events/${caution.id}`, { headers: { authorization: `Bearer ${readerToken}` } });
    const detail = await response.json() as DistrictEvent;
    expect(detail.alarms.map((alarm) => alarm.ruleId)).toEqual(['waterlogging-caution', 'waterlogging-impassable']);
    expect(detail.timeline.map((record) => record.kind)).toEqual(['opened', 'dispatched', 'joined', 'severity-raised']);
  });
});
