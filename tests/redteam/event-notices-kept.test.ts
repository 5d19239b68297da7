import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ConfigInput } from '../../services/config.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { apiCaller } from '../helpers/api-call.ts';
import { nextDispatched } from '../helpers/dispatched-event.ts';
import { startInfluxDoor } from '../helpers/influx-door.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { startWebhookReceiver, type ReceivedHook } from '../helpers/webhook-receiver.ts';

const operator = 'operator-wang-fang-kept-0123456789abcdef';

type Hook = ReceivedHook<{ kind: string; event?: { id: string; department: string | null }; alarm?: { id: string } }>;

/**
 * Red team, events pass: a department's webhook (and an alarm webhook) went out as soon as a change
 * was made in memory, before it was kept anywhere: on disk in its store's journal, or in InfluxDB.
 * With the disk refusing the journals and InfluxDB away, a dispatch answered 503 still told the
 * department; a crash (here a stop) then took the change back, and at the restart the department
 * had been sent to an event that no longer existed. Notices now go once the change is kept, in order.
 */
describe('red team: notices of changes not kept, the journals refused and InfluxDB away', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('tells no one of a change that is not kept, and each webhook once, in order, when it is', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-notices-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const database = `test_notices_${randomBytes(5).toString('hex')}`;
    const influxUrl = inject('influxUrl');
    cleanup.push(() => createInfluxClient({ url: influxUrl, database }).query(`DROP DATABASE "${database}"`, { database: null }));
    const door = await startInfluxDoor(new URL(influxUrl));
    cleanup.push(() => door.close());
    const receiver = await startWebhookReceiver<Hook['body']>();
    cleanup.push(() => receiver.close());
    const seed = JSON.parse(await readFile(new URL('../../seeds/departments.json', import.meta.url), 'utf8')) as { departments: Array<Record<string, unknown>> };
    for (const department of seed.departments) {
      if (department.id === 'eco-env' || department.id === 'water') department.webhook = { url: `${receiver.url}/${department.id}`, style: 'json' };
    }
    await writeFile(join(dataDir, 'departments.json'), JSON.stringify(seed));
    const overrides: ConfigInput = {
      dataDir, influx: { url: door.url, database },
      events: { departmentsFile: join(dataDir, 'departments.json'), sweepIntervalMs: 600_000 },
      alarms: { webhooks: [{ url: `${receiver.url}/alarm`, style: 'json' }], webhookBaseDelayMs: 20 },
      http: { tokens: [{ role: 'operator', name: 'wang.fang', token: operator }] },
    };
    // The disk refuses both journals (each opened at its store's first change): folders in their place.
    const journals = [join(dataDir, 'events', 'unwritten-records.ndjson'), join(dataDir, 'alarms', 'unwritten-changes.ndjson')] as const;
    const refuseJournals = () => Promise.all(journals.map((journal) => mkdir(journal, { recursive: true })));
    const mend = (journal: string) => rm(journal, { recursive: true });
    let test: TestPlatform | undefined = await startTestPlatform(overrides);
    cleanup.push(() => test?.close() ?? Promise.resolve());
    const call = apiCaller(() => test!.endpoints.httpUrl);
    const hooks = (path: string, id: string) => receiver.received.filter((hook) => hook.path === path && (hook.body.event?.id ?? hook.body.alarm?.id) === id).map((hook) => hook.body.kind);

    await refuseJournals();
    door.shut();
    // PM2.5 250 µg/m³ over MQTT: an alarm, and an event the routing dispatches to the bureau (eco-env).
    let routed = nextDispatched(test);
    await (await test.connect(test.device('air-guiyuan'))).publishAsync(test.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    const lost = await routed;
    expect(await call(`/api/v1/events/${lost}/dispatch`, operator, { department: 'water', note: 'sent on: the culvert' })).toMatchObject({ status: 503, body: { code: 'WX_ERR_HISTORY_NOT_DURABLE' } });
    // Stopped before anything was kept (InfluxDB's queue is dropped after 5 s, as a crash would).
    await test.close();
    test = undefined;
    // Nobody heard of the alarm, the event or the dispatch: nothing was sent, nothing dead-lettered for later.
    expect(receiver.received).toEqual([]);
    for (const folder of ['events', 'alarms']) expect(await readFile(join(dataDir, folder, 'webhook-dead-letter.ndjson'), 'utf8').catch(() => ''), folder).toBe('');

    await Promise.all(journals.map(mend));
    door.open();
    test = await startTestPlatform(overrides);
    // The changes are gone, as nobody was told they were made.
    expect((await call(`/api/v1/events/${lost}`, operator)).status).toBe(404);
    expect(test.platform.events!.list()).toEqual([]);

    await refuseJournals();
    door.shut();
    routed = nextDispatched(test);
    await (await test.connect(test.device('air-guiyuan'))).publishAsync(test.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
    const id = await routed;
    expect((await call(`/api/v1/events/${id}/dispatch`, operator, { department: 'water', note: 'sent on: the culvert' })).status).toBe(503);
    const alarm = test.platform.alarms.list().find((entry) => entry.deviceId === 'air-guiyuan')!;
    // InfluxDB back: it keeps the alarm, the event and both dispatches, and then each is told.
    door.open();
    await receiver.waitFor((hook) => hook.path === '/water' && hook.body.event?.id === id, 60_000);
    await receiver.waitFor((hook) => hook.path === '/alarm' && hook.body.alarm?.id === alarm.id);
    // An acknowledgement the disk refused (503) that InfluxDB keeps: told after the opening.
    expect((await call(`/api/v1/alarms/${alarm.id}/ack`, operator, { note: 'seen' })).status).toBe(503);
    await receiver.waitFor((hook) => hook.path === '/alarm' && hook.body.kind === 'acknowledged');
    expect(hooks('/alarm', alarm.id)).toEqual(['opened', 'acknowledged']);
    // The disk mended, InfluxDB away again: the journal keeps the resolution and the close (answered 200), and water is told.
    await mend(journals[0]);
    door.shut();
    expect((await call(`/api/v1/events/${id}/resolve`, operator, { note: 'culvert cleared', cause: 'real-exceedance' })).status).toBe(200);
    expect((await call(`/api/v1/events/${id}/close`, operator, { note: 'verified: AQI under 100' })).status).toBe(200);
    await receiver.waitFor((hook) => hook.path === '/water' && hook.body.kind === 'closed');
    expect(hooks('/water', id)).toEqual(['dispatched', 'closed']);
    expect(hooks('/eco-env', id)).toEqual(['dispatched']);
    door.open();
  }, 120_000);
});
