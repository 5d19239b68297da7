import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, emptyUsersFile, saveUsersFile, setUserDisabled } from '../../services/people/users-file.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

const tokens = { reader: 'reader-token-0123456789abcdef' };

/** An event stream on a raw request (gunzipped when the server compresses): its text, and whether it ended. */
function openStream(url: string, headers: Record<string, string>) {
  const state = { status: 0, text: '', ended: false };
  let response: IncomingMessage | undefined;
  const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } });
  const opened = new Promise<void>((resolve, reject) => {
    request.on('response', (res) => {
      response = res;
      state.status = res.statusCode ?? 0;
      const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
      body.setEncoding('utf8');
      body.on('data', (chunk: string) => { state.text += chunk; });
      body.on('error', () => { state.ended = true; });
      body.on('end', () => { state.ended = true; });
      res.on('close', () => { state.ended = true; });
      resolve();
    });
    request.on('error', reject);
  });
  request.end();
  return { state, opened, close: () => { request.destroy(); response?.destroy(); } };
}

/**
 * Issue 21's delta stream and the plain one, attacked as a reader whose credential goes away while
 * the stream is open (read access `token`): a session signed out, a person of the users file
 * disabled. Access is the credential's as it is now (conventions 17): the stream ends at the next
 * heartbeat, and the same credential opens no new one.
 */
describe('red team: an event stream outlives no revoked credential', () => {
  let test: TestPlatform;
  let url: string;
  let dir: string;
  let usersFile: string;
  let personToken: string;
  let users: Parameters<typeof setUserDisabled>[0];
  const streams: Array<{ close(): void }> = [];
  const stream = async (query: string, headers: Record<string, string>) => {
    const opened = openStream(`${url}/api/v1/stream${query}`, headers);
    streams.push(opened);
    await opened.opened;
    return opened;
  };
  /** Heartbeats (the hub's timer work, run now) until the stream has ended. */
  const endedAfterHeartbeats = async (state: { ended: boolean }) => {
    await expect.poll(() => {
      test.platform.live.hub.heartbeat();
      return state.ended;
    }, { timeout: 20_000, interval: 200 }).toBe(true);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-stream-'));
    usersFile = join(dir, 'users.json');
    const added = addUser(emptyUsersFile, { name: 'wang.fang', role: 'reader' });
    personToken = added.token;
    users = added.file;
    await saveUsersFile(usersFile, added.file);
    test = await startTestPlatform({ http: { readAccess: 'token', usersFile, tokens: [{ role: 'reader', token: tokens.reader }] } });
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    for (const open of streams) open.close();
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ends the plain and the delta stream of a session signed out, and opens none with it again', async () => {
    const signIn = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokens.reader }) });
    const cookie = /^wx_session=[^;]*/.exec(signIn.headers.get('set-cookie') ?? '')![0];
    const plain = await stream('', { cookie });
    const delta = await stream('?format=delta', { cookie, 'accept-encoding': 'gzip' });
    const bearer = await stream('?format=delta', { authorization: `Bearer ${tokens.reader}`, 'accept-encoding': 'gzip' });
    expect([plain.state.status, delta.state.status, bearer.state.status]).toEqual([200, 200, 200]);
    await expect.poll(() => delta.state.text).toContain('event: sync');
    test.platform.live.hub.heartbeat();
    expect(plain.state.ended || delta.state.ended).toBe(false);

    expect((await fetch(`${url}/api/v1/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(204);
    await endedAfterHeartbeats(plain.state);
    await endedAfterHeartbeats(delta.state);
    expect(delta.state.text).toContain('WX_ERR_UNAUTHORIZED');
    // The stream of a credential that still holds is not touched.
    expect(bearer.state.ended).toBe(false);
    const again = await stream('?format=delta', { cookie, 'accept-encoding': 'gzip' });
    expect(again.state.status).toBe(401);
  });

  it('asks the delta stream for what /api/v1/live asks, and shows no more than /live shows', async () => {
    for (const query of ['?format=delta', '?format=delta&family=air', '?FORMAT=delta', '?format=DELTA', '?format=delta&format=full']) {
      const anonymous = await stream(query, { 'accept-encoding': 'gzip' });
      expect([401, 400], query).toContain(anonymous.state.status);
    }
    const headers = { authorization: `Bearer ${tokens.reader}` };
    type Live = { families: Array<{ devices: Array<{ id: string; values: Record<string, number> }> }>; alarms: unknown[] };
    const readLive = async () => await (await fetch(`${url}/api/v1/live?family=air`, { headers })).json() as Live;
    const device = await test.connect(test.device('air-guiyuan'));
    await device.publishAsync(test.topics.build('air', 'air-guiyuan', 'telemetry'), JSON.stringify({ pm25: 31 }), { qos: 1 });
    await expect.poll(async () => (await readLive()).families.flatMap((family) => family.devices).find((entry) => entry.id === 'air-guiyuan')?.values.pm25, { timeout: 20_000 }).toBe(31);
    // The picture is published with the next flush: wait for a delta stream whose sync holds the reading.
    let sync: { d: Array<[string, number, Record<string, number>]>; alarms: unknown[] } = { d: [], alarms: [] };
    await expect.poll(async () => {
      const delta = await stream('?format=delta&family=air', { ...headers, 'accept-encoding': 'gzip' });
      await expect.poll(() => delta.state.text).toContain('event: sync');
      delta.close();
      sync = JSON.parse(/event: sync\ndata: (.*)\n/.exec(delta.state.text)![1]!) as typeof sync;
      return sync.d.map(([id]) => id);
    }, { timeout: 20_000 }).toContain('air-guiyuan');
    const live = await readLive();
    const liveValues = new Map(live.families.flatMap((family) => family.devices).map((entry) => [entry.id, entry.values]));
    for (const [id, , values] of sync.d) expect(values, id).toEqual(liveValues.get(id));
    expect(sync.alarms).toEqual(live.alarms);
  });

  it('ends the delta stream of a person disabled in the users file', async () => {
    const person = await stream('?format=delta', { authorization: `Bearer ${personToken}`, 'accept-encoding': 'gzip' });
    expect(person.state.status).toBe(200);
    await saveUsersFile(usersFile, setUserDisabled(users, 'wang.fang', true));
    await endedAfterHeartbeats(person.state);
    expect((await stream('', { authorization: `Bearer ${personToken}` })).state.status).toBe(401);
  });
});
