import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { freePort, startLocalInfluxd } from '../../services/storage/influxd-launcher.ts';
import { createTopics } from '../../services/topics.ts';
import { connectDevice } from '../../simulators/device-client.ts';
import { startPlatformProcess } from '../helpers/platform-process.ts';
import { startTestPlatform } from '../helpers/test-platform.ts';
import { waitFor } from './helpers.ts';

// Red team 7: an alarm acknowledged (answered 200) while InfluxDB did not answer lived only in
// memory: after a stop or a crash the alarm was open again, its note gone, and nothing in the log
// said so. An operator's change (an alarm acknowledged, an event started) is now on disk, in its
// store's journal, before it is answered, and written to InfluxDB at the next start. Real
// processes: the platform as `npm start` runs it, its own influxd paused with SIGSTOP, the
// platform killed with SIGKILL (no shutdown to save anything), started again on the same folder.

const operator = 'operator-li-na-0123456789abcdef0123';

interface AlarmBody { id: string; deviceId: string; state: string; acknowledgedBy: string | null; notes: Array<{ by: string; text: string }> }
interface EventBody { id: string; state: string; alarms: Array<{ id: string }>; timeline: Array<{ kind: string; by: string; note?: string }> }

describe('an operator’s change survives InfluxDB away and a crash', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('keeps an acknowledgement and an event started while InfluxDB did not answer, across SIGKILL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-kept-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const influxd = await startLocalInfluxd({ dataDir: join(dir, 'influxdb') });
    cleanup.push(() => influxd.stop());
    cleanup.push(async () => void process.kill(influxd.pid, 'SIGCONT'));
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const env = {
      INFLUX_URL: influxd.url, INFLUX_DB: 'kept', WX_FLEET_KEY: defaultFleetKey, WX_DATA_DIR: join(dir, 'data'), WX_MQTT_PORT: String(mqttPort),
      WX_MQTT_WS_PORT: '-1', WX_HTTP_PORT: String(httpPort), WX_LOG_LEVEL: 'warn', WX_API_TOKENS: `operator:li.na:${operator}`,
    };
    let platform: ChildProcess = await startPlatformProcess(env);
    cleanup.push(async () => void platform.kill('SIGKILL'));
    const api = async (path: string, body?: unknown) => {
      const response = await fetch(`http://127.0.0.1:${httpPort}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${operator}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    // An air station far over the AQI: an alarm, and the event it opens.
    const station = (await loadRegistryFile('seeds/devices.json')).devices.find((device) => device.family === 'air')!;
    const topics = createTopics('luohu');
    const client = await connectDevice(station, { url: `mqtt://127.0.0.1:${mqttPort}`, fleetKey: defaultFleetKey, topics }, { reconnectPeriod: 0 });
    await client.publishAsync(topics.build('air', station.id, 'telemetry'), JSON.stringify({ pm25: 260 }), { qos: 1 });
    await client.endAsync();
    let alarm: AlarmBody | undefined;
    await waitFor(async () => {
      alarm = ((await api('/api/v1/alarms')).body.alarms as AlarmBody[]).find((candidate) => candidate.deviceId === station.id && candidate.state === 'open');
      return alarm !== undefined;
    }, 'the alarm to open', 30_000);
    let event: EventBody | undefined;
    await waitFor(async () => {
      event = ((await api('/api/v1/events?family=air')).body.events as EventBody[] | undefined)?.find((candidate) => candidate.state === 'dispatched');
      return event !== undefined;
    }, 'the event to be dispatched', 30_000);
    // The opening is written: what follows is the change InfluxDB has not got.
    const influx = createInfluxClient({ url: influxd.url, database: 'kept' });
    await waitFor(async () => (await influx.query(`SELECT COUNT("state") FROM "alarms"`)).length > 0, 'the opening in InfluxDB', 30_000);

    process.kill(influxd.pid, 'SIGSTOP');
    const acknowledged = await api(`/api/v1/alarms/${encodeURIComponent(alarm!.id)}/ack`, { note: 'crew on the way to Dongmen' });
    expect(acknowledged.status).toBe(200);
    const started = await api(`/api/v1/events/${event!.id}/start`, { note: 'street team started' });
    expect(started.status).toBe(200);
    platform.kill('SIGKILL');
    await new Promise((resolve) => platform.once('exit', resolve));
    expect(await readFile(join(dir, 'data', 'alarms', 'unwritten-changes.ndjson'), 'utf8')).toContain('crew on the way to Dongmen');
    process.kill(influxd.pid, 'SIGCONT');

    platform = await startPlatformProcess(env);
    const after = (await api('/api/v1/alarms')).body.alarms as AlarmBody[];
    expect(after.find((candidate) => candidate.id === alarm!.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'li.na', notes: [{ by: 'li.na', text: 'crew on the way to Dongmen' }] });
    const eventAfter = (await api(`/api/v1/events/${event!.id}`)).body as unknown as EventBody;
    expect(eventAfter.state).toBe('in_progress');
    expect(eventAfter.timeline.filter((record) => record.kind === 'started')).toEqual([expect.objectContaining({ by: 'li.na', note: 'street team started' })]);

    // Written to InfluxDB at the start, once (the journal is emptied then), so a third run has it too.
    await waitFor(async () => (await readFile(join(dir, 'data', 'alarms', 'unwritten-changes.ndjson'), 'utf8')) === '', 'the alarm journal emptied', 30_000);
    await waitFor(async () => (await readFile(join(dir, 'data', 'events', 'unwritten-records.ndjson'), 'utf8')) === '', 'the event journal emptied', 30_000);
    const acks = await influx.query(`SELECT "by", "note" FROM "alarms" WHERE "change" = 'acknowledged'`);
    expect(acks[0]?.values.map((row) => row.slice(1))).toEqual([['li.na', 'crew on the way to Dongmen']]);
    platform.kill('SIGTERM');
    await new Promise((resolve) => platform.once('exit', resolve));
    platform = await startPlatformProcess(env);
    expect(((await api('/api/v1/alarms')).body.alarms as AlarmBody[]).find((candidate) => candidate.id === alarm!.id)).toMatchObject({ state: 'acknowledged', notes: [{ text: 'crew on the way to Dongmen' }] });
    platform.kill('SIGTERM');
    await new Promise((resolve) => platform.once('exit', resolve));
  }, 180_000);
});

describe('an operator’s change the disk does not take', () => {
  it('is answered 503 WX_ERR_HISTORY_NOT_DURABLE, not 200, for an alarm and an event, and the log says so', async () => {
    const logLines: string[] = [];
    const test = await startTestPlatform({ http: { tokens: [{ role: 'operator', token: operator, name: 'li.na' }] } }, { logLines });
    try {
      // The journal's place taken by a folder: every append fails as a full or broken disk would.
      await mkdir(join(test.config.dataDir, 'alarms', 'unwritten-changes.ndjson'), { recursive: true });
      await mkdir(join(test.config.dataDir, 'events', 'unwritten-records.ndjson'), { recursive: true });
      const station = test.platform.registry.devices.find((device) => device.family === 'air')!;
      const client = await connectDevice(station, { url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics }, { reconnectPeriod: 0 });
      await client.publishAsync(test.topics.build('air', station.id, 'telemetry'), JSON.stringify({ pm25: 260 }), { qos: 1 });
      await client.endAsync();
      let alarm: AlarmBody | undefined;
      await waitFor(() => (alarm = test.platform.alarms.list().find((candidate) => candidate.deviceId === station.id) as AlarmBody | undefined) !== undefined, 'the alarm', 30_000);
      const response = await fetch(`${test.endpoints.httpUrl}/api/v1/alarms/${encodeURIComponent(alarm!.id)}/ack`, {
        method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ note: 'on it' }),
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'WX_ERR_HISTORY_NOT_DURABLE' });
      let event: { id: string } | undefined;
      await waitFor(() => (event = test.platform.events?.list().find((candidate) => candidate.state === 'dispatched')) !== undefined, 'the event', 30_000);
      const started = await fetch(`${test.endpoints.httpUrl}/api/v1/events/${event!.id}/start`, {
        method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ note: 'on it' }),
      });
      expect(started.status).toBe(503);
      expect(await started.json()).toMatchObject({ code: 'WX_ERR_HISTORY_NOT_DURABLE' });
      expect(logLines.join('\n')).toContain('changes not written to the journal');
    } finally {
      await test.close();
    }
  }, 120_000);
});
