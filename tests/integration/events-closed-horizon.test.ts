import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../services/config.ts';
import { createLogger } from '../../services/log.ts';
import { createPlatform } from '../../services/platform.ts';
import type { DistrictEvent, EventRecord } from '../../services/events/index.ts';
import { apiCaller } from '../helpers/api-call.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const day = 86_400_000;
const tokens = { operator: 'operator-zhang-wei-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };
const http = { readAccess: 'token' as const, tokens: [{ role: 'operator' as const, name: 'zhang.wei', token: tokens.operator }, { role: 'reader' as const, token: tokens.reader }] };

function nextChange(test: TestPlatform, kind: EventRecord['kind'], deviceId: string): Promise<DistrictEvent> {
  return new Promise((resolve) => {
    const stop = test.platform.events!.onChange((event, record) => {
      if (record.kind === kind && event.alarms.some((alarm) => alarm.deviceId === deviceId)) {
        stop();
        resolve(event);
      }
    });
  });
}

/**
 * Closed events' history (events.keepClosedDays): every event ever made was replayed at each start
 * and held for good (history is never trimmed: retention INF), so a start read, parsed and replayed
 * years of finished work. Closed events older than the horizon are left in InfluxDB now: not read
 * at start, forgotten by the sweep while running; events not closed are held however old.
 */
describe('closed events older than events.keepClosedDays', () => {
  const database = `test_events_horizon_${Date.now().toString(36)}`;
  let offsetMs = 0;
  const ids = { oldClosed: '', oldOpen: '', recentClosed: '' };
  let second: TestPlatform;
  const logLines: string[] = [];
  const call = apiCaller(() => second.endpoints.httpUrl);

  beforeAll(async () => {
    const first = await startTestPlatform({ influx: { database }, events: { sweepIntervalMs: 600_000 }, http }, { now: () => Date.now() + offsetMs });
    const firstCall = apiCaller(() => first.endpoints.httpUrl);
    try {
      /** A real reading's alarm makes an event at the events' clock; resolved and closed by the operator when asked. */
      const raise = async (family: 'air' | 'waterlogging', deviceId: string, reading: object, times: number, close: boolean) => {
        const dispatched = nextChange(first, 'dispatched', deviceId);
        const device = await first.connect(first.device(deviceId));
        for (let n = 0; n < times; n += 1) await device.publishAsync(first.topics.build(family, deviceId, 'telemetry'), JSON.stringify(reading), { qos: 1 });
        const { id } = await dispatched;
        if (close) {
          expect((await firstCall(`/api/v1/events/${id}/resolve`, tokens.operator, { note: 'done', cause: 'other' })).status).toBe(200);
          expect((await firstCall(`/api/v1/events/${id}/close`, tokens.operator, { note: 'verified' })).status).toBe(200);
        }
        return id;
      };
      offsetMs = -200 * day;
      ids.oldClosed = await raise('air', 'air-guiyuan', { pm25: 250 }, 1, true);
      ids.oldOpen = await raise('waterlogging', 'waterlogging-wenjin-school', { depth: 20 }, 2, false);
      offsetMs = -1 * day;
      ids.recentClosed = await raise('air', 'air-huangbei', { pm25: 250 }, 1, true);
      expect(new Set(Object.values(ids)).size).toBe(3);
    } finally {
      await first.close();
    }
    offsetMs = 0;
    second = await startTestPlatform({ influx: { database }, events: { sweepIntervalMs: 600_000, keepClosedDays: 90 }, http }, { now: () => Date.now() + offsetMs, logLines });
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await second?.platform.influx.query(`DROP DATABASE "${database}"`, { database: null }).catch(() => undefined);
  });

  it('replays the events not closed and those closed within the horizon, reading none of the older closed one’s records', async () => {
    expect((await call(`/api/v1/events/${ids.oldClosed}`, tokens.reader)).status).toBe(404);
    expect((await call(`/api/v1/events/${ids.oldOpen}`, tokens.reader)).body).toMatchObject({ state: 'dispatched', timelineTotal: 2 });
    expect((await call(`/api/v1/events/${ids.recentClosed}`, tokens.reader)).body).toMatchObject({ state: 'closed', timelineTotal: 4 });
    const listed = ((await call('/api/v1/events', tokens.reader)).body.events as Array<{ id: string }>).map((event) => event.id).sort();
    expect(listed).toEqual([ids.oldOpen, ids.recentClosed].sort());
    // What the start read: the two events' six records, and one closed event left in InfluxDB.
    const read = logLines.map((line) => JSON.parse(line) as { msg: string; events?: number; records?: number; closedLeftOut?: number }).find((line) => line.msg === 'event history read');
    expect(read).toMatchObject({ events: 2, records: 6, closedLeftOut: 1 });
    const kept = await second.platform.influx.query(`SELECT COUNT("record") FROM "events" WHERE "event_id" = '${ids.oldClosed}'`);
    expect(Number(kept[0]!.values[0]![1])).toBe(4);
  });

  it('refuses figures reaching past the horizon, naming the setting', async () => {
    expect((await call('/api/v1/events/figures?weeks=12', tokens.reader)).status).toBe(200);
    const refused = await call('/api/v1/events/figures?weeks=13', tokens.reader);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'WX_ERR_INVALID_ARGUMENT' });
    expect(String(refused.body.message)).toContain('events.keepClosedDays');
  });

  it('forgets a closed event once its close is older than the horizon, and keeps an open one', async () => {
    offsetMs = 90 * day;
    second.platform.events!.sweep();
    expect((await call(`/api/v1/events/${ids.recentClosed}`, tokens.reader)).status).toBe(404);
    expect((await call(`/api/v1/events/${ids.oldOpen}`, tokens.reader)).status).toBe(200);
  });
});

describe('events.keepClosedDays, checked at start', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-horizon-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses fewer days than the desk’s four weeks of figures', () => {
    expect(() => parseConfig({ events: { keepClosedDays: 27 } })).toThrow(expect.objectContaining({ code: 'WX_ERR_CONFIG', message: expect.stringContaining('events.keepClosedDays') }));
  });

  it('refuses a horizon shorter than the departments file’s reopen window, before anything starts', async () => {
    const seed = JSON.parse(await readFile('seeds/departments.json', 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'departments.json'), JSON.stringify({ ...seed, reopenWindowMs: 30 * day }));
    const config = parseConfig({
      dataDir: dir, logLevel: 'silent', mqtt: { host: '127.0.0.1', port: 0, wsPort: -1 }, http: { host: '127.0.0.1', port: 0 },
      influx: { url: inject('influxUrl'), database: 'test_short_horizon' }, simulate: { enabled: false },
      events: { departmentsFile: join(dir, 'departments.json'), keepClosedDays: 29 },
    });
    const platform = createPlatform(config, createLogger('silent'));
    try {
      await expect(platform.start()).rejects.toMatchObject({ code: 'WX_ERR_CONFIG', message: expect.stringContaining('reopenWindowMs') });
    } finally {
      await platform.close();
      await platform.influx.query('DROP DATABASE "test_short_horizon"', { database: null });
    }
  });
});
