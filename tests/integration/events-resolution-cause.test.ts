import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistrictEvent } from '../../services/events/index.ts';
import { apiCaller } from '../helpers/api-call.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = {
  zhang: 'operator-zhang-wei-cause-0123456789',
  li: 'operator-li-na-cause-0123456789abc',
  officer: 'officer-wang-fang-cause-0123456789',
  reader: 'reader-cause-0123456789abcdefgh',
};
const people = [
  { role: 'operator' as const, name: 'zhang.wei', token: tokens.zhang }, { role: 'operator' as const, name: 'li.na', token: tokens.li },
  { role: 'officer' as const, name: 'wang.fang', token: tokens.officer }, { role: 'reader' as const, token: tokens.reader },
];

type Detail = { id: string; state: string; cause: string | null; timeline: Array<{ kind: string; cause?: string }>; suggestedReviewMarks: Array<{ device: string; from: string; to: string; reason: string; comment: string }> };

/** A real PM2.5 reading over MQTT raises an alarm; the event it opens, once dispatched. */
async function dispatchedEvent(test: TestPlatform, device: string): Promise<DistrictEvent> {
  const dispatched = new Promise<DistrictEvent>((resolve) => {
    const stop = test.platform.events!.onChange((event, record) => {
      if (record.kind === 'dispatched' && event.alarms.some((alarm) => alarm.deviceId === device)) {
        stop();
        resolve(event);
      }
    });
  });
  const client = await test.connect(test.device(device));
  await client.publishAsync(test.topics.build('air', device, 'telemetry'), JSON.stringify({ pm25: 250 }), { qos: 1 });
  return dispatched;
}

/**
 * Resolution pass: a resolution names its cause from one list (a device's fault is not the air),
 * kept with the record in InfluxDB, shown and filtered by; a device fault suggests review marks an
 * officer may take. With events.closeBySomeoneElse the resolver does not close their own work.
 */
describe('a resolution with its cause', () => {
  let test: TestPlatform;
  const call = apiCaller(() => test.endpoints.httpUrl);
  // Air is joined district-wide (docs/events.md): one event, refused, then resolved.
  let id = '';
  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false }, events: { sweepIntervalMs: 600_000 }, http: { tokens: people } });
  }, 60_000);
  afterAll(async () => {
    await test?.close();
  });

  it('refuses a resolution without a cause, or with one not on the list, naming the value', async () => {
    ({ id } = await dispatchedEvent(test, 'air-huangbei'));
    const none = await call(`/api/v1/events/${id}/resolve`, tokens.zhang, { note: 'sensor replaced' });
    expect(none).toMatchObject({ status: 400, body: { code: 'WX_ERR_UNKNOWN_CAUSE' } });
    expect(String(none.body.message)).toContain('got none');
    // An answer is { code, message }: the message names the value and the list.
    const unknown = await call(`/api/v1/events/${id}/resolve`, tokens.zhang, { note: 'sensor replaced', cause: 'weather' });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'WX_ERR_UNKNOWN_CAUSE' } });
    expect(String(unknown.body.message)).toContain('"weather"');
    expect(String(unknown.body.message)).toContain('device-fault');
    expect((await call(`/api/v1/events/${id}`, tokens.reader)).body).toMatchObject({ state: 'dispatched', cause: null });
    // The list of causes, with their labels, for the desk's form.
    const { causes } = (await call('/api/v1/departments', tokens.reader)).body as { causes: Array<{ id: string; zh: string; en: string }> };
    expect(causes.map((cause) => cause.id)).toEqual(['real-exceedance', 'device-fault', 'maintenance', 'communication-loss', 'false-alarm', 'other']);
    expect(causes[1]).toMatchObject({ zh: '设备故障', en: 'device fault' });
  }, 60_000);

  it('keeps the cause on the event, its timeline and its InfluxDB record; lists by it; suggests the review marks a device fault asks for', async () => {
    const resolved = await call(`/api/v1/events/${id}/resolve`, tokens.zhang, { note: 'analyser pump failed; replaced', cause: 'device-fault' });
    expect(resolved.status).toBe(200);
    const body = resolved.body as unknown as Detail;
    expect(body).toMatchObject({ state: 'resolved', cause: 'device-fault' });
    expect(body.timeline.at(-1)).toMatchObject({ kind: 'resolved', cause: 'device-fault' });
    expect(body.suggestedReviewMarks).toEqual([expect.objectContaining({ device: 'air-huangbei', reason: 'fault' })]);
    // The suggestion is the body of the review API's mark, taken by an officer (never by the event).
    const mark = await call('/api/v1/review/marks', tokens.officer, body.suggestedReviewMarks[0]);
    expect(mark).toMatchObject({ status: 201, body: { reason: 'fault', devices: ['air-huangbei'] } });

    expect(((await call('/api/v1/events?cause=device-fault', tokens.reader)).body.events as Detail[]).map((event) => event.id)).toEqual([id]);
    expect(((await call('/api/v1/events?cause=not-recorded', tokens.reader)).body.events as Detail[])).toEqual([]);
    expect(await call('/api/v1/events?cause=weather', tokens.reader)).toMatchObject({ status: 400, body: { code: 'WX_ERR_INVALID_ARGUMENT' } });
    // Closed, the event keeps its cause (the same person may close: four eyes is off by default).
    expect((await call(`/api/v1/events/${id}/close`, tokens.zhang, { note: 'verified' })).body).toMatchObject({ state: 'closed', cause: 'device-fault' });

    // In InfluxDB: the record with its cause (what a restart replays), and the tag Grafana groups by.
    await test.platform.events!.persisted();
    let rows: unknown[][] = [];
    for (let i = 0; i < 100 && rows.length === 0; i += 1) {
      rows = (await test.platform.influx.query(`SELECT "record", "cause" FROM "events" WHERE "event_id" = '${id}' AND "kind" = 'resolved'`))[0]?.values ?? [];
      if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(rows).toHaveLength(1);
    expect(JSON.parse(Buffer.from(String(rows[0]![1]), 'base64').toString('utf8'))).toMatchObject({ kind: 'resolved', cause: 'device-fault', by: 'zhang.wei' });
    expect(rows[0]![2]).toBe('device-fault');
  }, 60_000);
});

describe('four eyes: events.closeBySomeoneElse', () => {
  let test: TestPlatform;
  const call = apiCaller(() => test.endpoints.httpUrl);
  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false }, events: { sweepIntervalMs: 600_000, closeBySomeoneElse: true }, http: { tokens: people } });
  }, 60_000);
  afterAll(async () => {
    await test?.close();
  });

  it('refuses the resolver’s own close with its code and name; another operator closes it', async () => {
    const { id } = await dispatchedEvent(test, 'air-dongmen');
    expect((await call(`/api/v1/events/${id}/resolve`, tokens.zhang, { note: 'dust nets on two sites', cause: 'real-exceedance' })).status).toBe(200);
    const own = await call(`/api/v1/events/${id}/close`, tokens.zhang, { note: 'verified by myself' });
    expect(own).toMatchObject({ status: 409, body: { code: 'WX_ERR_EVENT_SAME_PERSON' } });
    expect(String(own.body.message)).toContain('zhang.wei');
    expect((await call(`/api/v1/events/${id}`, tokens.reader)).body).toMatchObject({ state: 'resolved' });
    const closed = await call(`/api/v1/events/${id}/close`, tokens.li, { note: 'verified on the wall' });
    expect(closed).toMatchObject({ status: 200, body: { state: 'closed' } });
  }, 60_000);
});
