import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSecretHeader } from '../../services/cluster/emqx-auth.ts';
import { freePort } from '../../services/storage/influxd-launcher.ts';
import { startMosquitto, type Server } from '../cluster/servers.ts';
import { rawRequest } from './raw-http.ts';
import { hashSecret, simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/** The CONNACK return code of a login (0 accepted), or the error's message when the connection failed first. */
function login(url: string, username: string, password: string, clientId: string): Promise<{ code: number | string; client: mqtt.MqttClient }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { clientId, username, password, clean: true, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4 });
    client.on('connect', () => resolve({ code: 0, client }));
    client.on('error', (error) => { client.end(true); resolve({ code: (error as { code?: number }).code ?? error.message, client }); });
  });
}

// A wall screen's observer named after the site it shows: `air-sungang-wall` is the device
// air-sungang's `<id>-<suffix>` form, so the device's secret could close the observer's session.
const wall = 'air-sungang-wall';
const wallSecret = 'wall-screen-secret-0123456789abcdefghij';

/** The seeds' registry with a wall screen's observer added, in `dir`. */
async function registryWithWall(dir: string, id = wall): Promise<string> {
  const registry = JSON.parse(await readFile('seeds/devices.json', 'utf8')) as { observers: unknown[] };
  registry.observers.push({ id, role: 'observer', secretHash: await hashSecret(wallSecret) });
  await writeFile(join(dir, 'devices.json'), JSON.stringify(registry), { mode: 0o600 });
  return join(dir, 'devices.json');
}

describe('MQTT: a client id that is another login\'s own (red team pass: observers)', () => {
  let test: TestPlatform;
  let dir: string;
  const secret = (id: string) => simulatedDeviceSecret(test.config.fleetKey, id);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-client-ids-'));
    test = await startTestPlatform({ registryFile: await registryWithWall(dir) });
  });
  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a device the client id of an observer whose id is the device\'s own `<id>-<suffix>`, and leaves the observer connected', async () => {
    const observer = await login(test.endpoints.mqttUrl, wall, wallSecret, wall);
    expect(observer.code).toBe(0);
    let closed = false;
    observer.client.on('close', () => { closed = true; });
    const refusedBefore = await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_CLIENT_ID_REFUSED' });
    const device = await login(test.endpoints.mqttUrl, 'air-sungang', secret('air-sungang'), wall);
    expect(device.code).toBe(2);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_CLIENT_ID_REFUSED' })).toBe(refusedBefore + 1);
    // The observer's session still holds: a subscription is granted and no close came.
    const granted = await observer.client.subscribeAsync(test.topics.build('air', 'air-sungang', 'telemetry'));
    expect(granted[0]?.qos).toBe(0);
    expect(closed).toBe(false);
    // A suffix under the observer's id is the observer's too.
    expect((await login(test.endpoints.mqttUrl, 'air-sungang', secret('air-sungang'), `${wall}-2`)).code).toBe(2);
    // The device's own tools are still its own.
    const tool = await login(test.endpoints.mqttUrl, 'air-sungang', secret('air-sungang'), 'air-sungang-tool');
    expect(tool.code).toBe(0);
    for (const { client } of [observer, device, tool]) client.end(true);
  });
});

// The same rule where EMQX asks the platform (services/cluster/emqx-auth.ts); Debian's mosquitto stands in for the broker ingest reads.
describe('EMQX HTTP auth: a client id that is an observer\'s own', () => {
  const brokerSecret = 'emqx-http-auth-secret-0123456789abcdef';
  let dir: string;
  let broker: Server;
  let test: TestPlatform;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-client-ids-emqx-'));
    const port = await freePort();
    await writeFile(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    broker = await startMosquitto(join(dir, 'mosquitto.conf'), port);
    test = await startTestPlatform({ registryFile: await registryWithWall(dir), cluster: { brokerUrl: `mqtt://127.0.0.1:${broker.port}`, brokerAuthSecret: brokerSecret, sessions: 1 } });
  });
  afterAll(async () => {
    await test?.close();
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('denies the device air-sungang the client id air-sungang-wall, and allows it its own tool\'s', async () => {
    const ask = async (clientid: string) => {
      const answer = await rawRequest(test.endpoints.httpUrl, { method: 'POST', target: '/api/v1/auth/mqtt', headers: { 'content-type': 'application/json', [brokerSecretHeader]: brokerSecret }, body: JSON.stringify({ username: 'air-sungang', clientid, password: simulatedDeviceSecret(test.config.fleetKey, 'air-sungang'), peerhost: '10.0.0.9' }) });
      return (JSON.parse(answer.body) as { result: string }).result;
    };
    expect(await ask(wall)).toBe('deny');
    expect(await ask('air-sungang-tool')).toBe('allow');
  });
});

// A worker's old session ids (`<node id>-<index>`, taken over at each start: legacy-sessions.ts)
// were checked against devices only: an observer whose id is one of them, a wall screen on the
// machine an ingest node runs on (the node id is the host name by default), lost its session at every start.
describe('ingest start: the old worker session ids never close an observer\'s session', () => {
  let dir: string;
  let broker: Server;
  let test: TestPlatform | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-client-ids-legacy-'));
    const port = await freePort();
    await writeFile(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    broker = await startMosquitto(join(dir, 'mosquitto.conf'), port);
  });
  afterAll(async () => {
    await test?.close();
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  // A name no device's id begins: `air-sungang-wall-0` was left alone as the device air-sungang's.
  const screenId = 'ops-wall';

  it('leaves the observer ops-wall\'s session alone when the node ops-wall starts', async () => {
    // The wall screen is connected (the broker checks its login; here it lets anyone in) with its own id's `<id>-<suffix>` form.
    const screen = await new Promise<mqtt.MqttClient>((resolve, reject) => {
      const client = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: `${screenId}-0`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
      client.once('connect', () => resolve(client));
      client.once('error', reject);
    });
    let closed = false;
    screen.on('close', () => { closed = true; });
    test = await startTestPlatform({ registryFile: await registryWithWall(dir, screenId), cluster: { brokerUrl: `mqtt://127.0.0.1:${broker.port}`, nodeId: screenId, sessions: 1 } });
    expect(closed).toBe(false);
    const granted = await screen.subscribeAsync(test.topics.filterAll('telemetry'));
    expect(granted[0]?.qos).toBe(0);
    screen.end(true);
  });
});
