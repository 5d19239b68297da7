import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { dispatchAirEvent } from '../helpers/dispatched-event.ts';
import { startInfluxDoor } from '../helpers/influx-door.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from '../durability/helpers.ts';

const operator = 'operator-wang-fang-0123456789abcdef';

interface EventBody { id: string; state: string; timeline: Array<{ kind: string; by: string; note?: string }> }

/**
 * Red team, events pass: a change the disk refused (answered 503 WX_ERR_HISTORY_NOT_DURABLE) was
 * left out of the journal for good, though it stayed in memory and the next change built on it.
 * With InfluxDB away, a resolution refused by the disk and then a close the mended disk took
 * (answered 200) left the journal holding the close alone: at the next start the event's history
 * did not replay (closed from dispatched) and the whole event was gone, its answered close with it.
 * A change the disk refused is now written with the next one the disk takes, before that one is answered.
 */
describe('red team: an event change the disk refused, then one it took, InfluxDB away', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('keeps both across a restart: the answered close comes back, with the resolution it closed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-journal-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const database = `test_journal_${randomBytes(5).toString('hex')}`;
    const influxUrl = inject('influxUrl');
    cleanup.push(() => createInfluxClient({ url: influxUrl, database }).query(`DROP DATABASE "${database}"`, { database: null }));
    const door = await startInfluxDoor(new URL(influxUrl));
    cleanup.push(() => door.close());
    const overrides = { dataDir, influx: { url: door.url, database }, events: { sweepIntervalMs: 600_000 }, http: { tokens: [{ role: 'operator' as const, name: 'wang.fang', token: operator }] } };
    let first: TestPlatform | undefined = await startTestPlatform(overrides);
    cleanup.push(() => first?.close() ?? Promise.resolve());
    // The disk refuses the event journal (opened at its first change): its place is taken by a folder.
    const journal = join(dataDir, 'events', 'unwritten-records.ndjson');
    await mkdir(journal, { recursive: true });
    const call = async (base: TestPlatform, path: string, body?: unknown) => {
      const response = await fetch(`${base.endpoints.httpUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${operator}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() as EventBody & { code?: string } };
    };
    const id = await dispatchAirEvent(first, 'air-dongmen');
    // The opening and the routing's dispatch are in InfluxDB; then InfluxDB goes away.
    const influx = createInfluxClient({ url: influxUrl, database });
    await waitFor(async () => (await influx.query('SELECT COUNT("event_id") FROM "events"'))[0]?.values[0]?.[1] === 2, 'the opening and the dispatch in InfluxDB', 30_000);
    door.shut();

    const refused = await call(first, `/api/v1/events/${id}/resolve`, { note: 'pumps started at the culvert', cause: 'real-exceedance' });
    expect(refused).toMatchObject({ status: 503, body: { code: 'WX_ERR_HISTORY_NOT_DURABLE' } });
    // The disk mended; the close is answered once on disk.
    await rm(journal, { recursive: true });
    expect((await call(first, `/api/v1/events/${id}/close`, { note: 'verified: AQI under 100' })).status).toBe(200);
    // Stopped while InfluxDB is still away (its queue is dropped after 5 s, as a crash would).
    await first.close();
    first = undefined;

    door.open();
    const second = await startTestPlatform(overrides);
    cleanup.push(() => second.close());
    const restored = await call(second, `/api/v1/events/${id}`);
    expect(restored.status).toBe(200);
    expect(restored.body.state).toBe('closed');
    expect(restored.body.timeline.map((record) => [record.kind, record.by, record.note ?? ''])).toEqual([
      ['opened', 'system', ''], ['dispatched', 'system', 'routed by the departments file'],
      ['resolved', 'wang.fang', 'pumps started at the culvert'], ['closed', 'wang.fang', 'verified: AQI under 100'],
    ]);
  }, 120_000);
});
