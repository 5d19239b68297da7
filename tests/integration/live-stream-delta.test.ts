import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLiveOptions } from '../../services/live/create-live.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

interface StreamEvent { id?: string; event?: string; data: string }

/** An SSE client on a raw request, decompressing when the server answers gzip; events as they come. */
function openStream(url: string, headers: Record<string, string> = {}) {
  const events: StreamEvent[] = [];
  const waiters: Array<() => void> = [];
  let response: IncomingMessage | undefined;
  let buffer = '';
  const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    request.on('response', (res) => {
      response = res;
      const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
      body.setEncoding('utf8');
      body.on('error', () => undefined);
      body.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: StreamEvent = { data: '' };
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(': ');
            if (field === 'id') event.id = rest.join(': ');
            if (field === 'event') event.event = rest.join(': ');
            if (field === 'data') event.data = rest.join(': ');
          }
          if (event.event) events.push(event);
        }
        for (const wake of waiters.splice(0)) wake();
      });
      resolve(res);
    });
    request.on('error', reject);
  });
  request.end();
  const until = async (test: (e: StreamEvent[]) => boolean) => {
    while (!test(events)) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { events, opened, until, close: () => { request.destroy(); response?.destroy(); } };
}

type DeltaItem = [string, number, Record<string, number | null>?, (Record<string, unknown> | 0)?, 1?];
const deltaItems = (events: StreamEvent[]) => events.filter((e) => e.event === 'delta').flatMap((e) => (JSON.parse(e.data) as { d: DeltaItem[] }).d);
const itemsOf = (events: StreamEvent[], id: string) => deltaItems(events).filter((item) => item[0] === id);

/**
 * Issue 21 item 5: the stream's delta format (`?format=delta`) sends a whole picture on connect, then
 * only what changed; it is gzip-compressed per connection and flushed after every event; a client
 * that resumes gets what it missed, one that cannot is given the whole picture again.
 */
describe('the live stream’s delta format', () => {
  let test: TestPlatform;
  let station: MqttClient;
  let telemetry: string;
  const base = () => `${test.endpoints.httpUrl}/api/v1/stream?format=delta`;
  const reading = { pm25: 31.5, pm10: 60, o3: 40, no2: 20, so2: 4, co: 0.5 };
  const publish = (values: Record<string, number>, offset = 0) =>
    station.publishAsync(telemetry, JSON.stringify({ ts: Date.now() + offset, ...values }), { qos: 1 });

  beforeAll(async () => {
    test = await startTestPlatform({ rollups: { enabled: false } });
    const device = test.device('air-dongmen');
    station = await test.connect(device);
    telemetry = test.topics.build('air', device.id, 'telemetry');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('sends the whole picture first, then only the values and state keys that changed, gzip-compressed', async () => {
    // Published once to everyone (full format): from then on the device is in every picture. The
    // stream is open before the reading is sent: opened after, it could miss the frame carrying it.
    const full = openStream(`${test.endpoints.httpUrl}/api/v1/stream`);
    await full.opened;
    await publish(reading);
    await full.until((e) => e.some((x) => x.event === 'readings' && x.data.includes('air-dongmen')));
    full.close();

    const stream = openStream(base(), { 'accept-encoding': 'gzip, deflate' });
    const response = await stream.opened;
    expect(response.headers['content-encoding']).toBe('gzip');
    await stream.until((e) => e.some((x) => x.event === 'sync'));
    // The first event is the picture: this device with every value, its state and its age.
    expect(stream.events[0]!.event).toBe('sync');
    const picture = JSON.parse(stream.events[0]!.data) as { t: number; d: Array<[string, number, Record<string, number>, Record<string, unknown>, number]>; tiles: unknown[] };
    const entry = picture.d.find((item) => item[0] === 'air-dongmen')!;
    expect(entry[2]).toMatchObject(reading);
    expect(entry[3]).toMatchObject({ label: expect.stringMatching(/^aqi-/) });
    expect(entry[4]).toBeGreaterThanOrEqual(0);
    expect(picture.tiles.length).toBe(7);

    // One value changes: the event carries that value only (gzip flushed it: the stream is still open).
    await publish({ ...reading, pm25: 33.25 }, 1);
    await stream.until((e) => itemsOf(e, 'air-dongmen').length >= 1);
    const [changed] = itemsOf(stream.events, 'air-dongmen');
    expect(changed![2]).toEqual({ pm25: 33.25 });
    // The same values again: the receipt alone ([id, dt]), which keeps the device fresh on the wall.
    await publish({ ...reading, pm25: 33.25 }, 2);
    await stream.until((e) => itemsOf(e, 'air-dongmen').length >= 2);
    expect(itemsOf(stream.events, 'air-dongmen')[1]!.length).toBe(2);
    // A value that goes away is named with null; the time is the event's base plus the item's offset.
    const { pm10: _dropped, ...withoutPm10 } = reading;
    const at = Date.now() + 3;
    await station.publishAsync(telemetry, JSON.stringify({ ts: at, ...withoutPm10, pm25: 33.25 }), { qos: 1 });
    await stream.until((e) => itemsOf(e, 'air-dongmen').length >= 3);
    expect(itemsOf(stream.events, 'air-dongmen')[2]![2]).toEqual({ pm10: null });
    const event = stream.events.filter((e) => e.event === 'delta').map((e) => JSON.parse(e.data) as { t: number; d: DeltaItem[] })
      .find((e) => e.d.some((item) => item[0] === 'air-dongmen' && item[2]?.pm10 === null))!;
    expect(event.t + event.d.find((item) => item[0] === 'air-dongmen')![1]).toBe(at);
    // A device that sent nothing is never re-sent.
    expect(deltaItems(stream.events).every((item) => item[0] === 'air-dongmen')).toBe(true);
    stream.close();
  });

  it('sends the state’s changed keys only', async () => {
    const stream = openStream(base());
    await stream.until((e) => e.some((x) => x.event === 'sync'));
    await publish(reading, 10);
    await stream.until((e) => itemsOf(e, 'air-dongmen').length >= 1);
    // PM2.5 250 moves the AQI (value) and its level (label, colour, severity), not its limit: only those keys travel.
    await publish({ ...reading, pm25: 250 }, 11);
    await stream.until((e) => itemsOf(e, 'air-dongmen').length >= 2);
    const item = itemsOf(stream.events, 'air-dongmen')[1]!;
    expect(item[2]).toMatchObject({ pm25: 250 });
    const state = item[3] as Record<string, unknown>;
    expect(Object.keys(state).sort()).toEqual(expect.arrayContaining(['label', 'value']));
    expect(state).not.toHaveProperty('limit');
    expect(item[4]).toBeUndefined();
    stream.close();
  });

  it('resumes with Last-Event-ID (what was missed, no picture), and gives the whole picture when it cannot', async () => {
    const first = openStream(base());
    await first.until((e) => e.some((x) => x.event === 'sync'));
    await publish({ ...reading, pm25: 41.5 }, 20);
    await first.until((e) => itemsOf(e, 'air-dongmen').length >= 1);
    const lastId = first.events.at(-1)!.id!;
    first.close();
    // Missed while away: two changes, each its own summary tick.
    const tick = defaultLiveOptions.flushMs + 300;
    await publish({ ...reading, pm25: 42.5 }, 21);
    await new Promise((resolve) => setTimeout(resolve, tick));
    await publish({ ...reading, pm25: 43.75 }, 22);
    await new Promise((resolve) => setTimeout(resolve, tick));
    const resumed = openStream(base(), { 'last-event-id': lastId });
    await resumed.until((e) => itemsOf(e, 'air-dongmen').some((item) => item[2]?.pm25 === 43.75));
    expect(itemsOf(resumed.events, 'air-dongmen').map((item) => item[2]?.pm25)).toEqual([42.5, 43.75]);
    expect(resumed.events.some((e) => e.event === 'sync' || e.event === 'reset')).toBe(false);
    resumed.close();

    // An id from another run: the whole picture, as it stands now.
    const stranger = openStream(base(), { 'last-event-id': 'deadbeef-5' });
    await stranger.until((e) => e.some((x) => x.event === 'sync'));
    const picture = JSON.parse(stranger.events.find((e) => e.event === 'sync')!.data) as { d: Array<[string, number, Record<string, number>]>; alarms: Array<{ deviceId: string }> };
    expect(picture.d.find((item) => item[0] === 'air-dongmen')![2].pm25).toBe(43.75);
    // The open alarms with it (PM2.5 250 above opened one): none raised between /live and the stream is missed.
    expect(picture.alarms.some((alarm) => alarm.deviceId === 'air-dongmen')).toBe(true);
    expect(stranger.events.some((e) => e.event === 'reset')).toBe(false);
    stranger.close();
  });

  it('leaves the full format as it was: whole readings, reset for an unknown id, no compression', async () => {
    const plain = openStream(`${test.endpoints.httpUrl}/api/v1/stream`, { 'accept-encoding': 'gzip' });
    const response = await plain.opened;
    expect(response.headers['content-encoding']).toBeUndefined();
    await publish({ ...reading, pm25: 51.5 }, 30);
    await plain.until((e) => e.some((x) => x.event === 'readings' && x.data.includes('51.5')));
    const items = JSON.parse(plain.events.find((x) => x.event === 'readings' && x.data.includes('51.5'))!.data) as Array<Record<string, unknown>>;
    expect(items.find((item) => item.id === 'air-dongmen')).toMatchObject({ family: 'air', street: 'dongmen', values: { pm25: 51.5, pm10: 60 } });
    plain.close();
    const stranger = openStream(`${test.endpoints.httpUrl}/api/v1/stream`, { 'last-event-id': 'deadbeef-5' });
    await stranger.until((e) => e.some((x) => x.event === 'reset'));
    stranger.close();
    // An unknown format is a clear 400, like every bad query.
    const bad = await fetch(`${test.endpoints.httpUrl}/api/v1/stream?format=xml`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('WX_ERR_INVALID_ARGUMENT');
  });
});
