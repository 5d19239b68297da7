import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import type { RefusalNotice } from '../../services/ingest/refusal-feedback.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { createTopics } from '../../services/topics.ts';
import { freePort, runWanxiang, spawnWanxiang, startMosquitto } from './servers.ts';

describe('behind mosquitto, a device learns why its message was refused (issue 19, item 5)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('the ingest worker publishes the refusal, naming every problem, to the device’s errors topic, which the exported ACL lets it read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-mosq-refusals-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const seed = await loadRegistryFile('seeds/devices.json');
    const registryPath = join(dir, 'devices.json');
    await writeFile(registryPath, JSON.stringify({ ...seed, devices: seed.devices.slice(0, 10) }));
    const port = await freePort();
    const exported = await runWanxiang(['devices', 'export', '--mosquitto', join(dir, 'mosquitto'), '--port', String(port), '--registry', registryPath]);
    expect(exported.code).toBe(0);
    const broker = await startMosquitto(join(dir, 'mosquitto', 'mosquitto.conf'), port);
    cleanup.push(() => broker.stop('SIGKILL'));
    const brokerUrl = `mqtt://127.0.0.1:${broker.port}`;

    const database = `mosqref_${randomBytes(4).toString('hex')}`;
    cleanup.push(() => createInfluxClient({ url: inject('influxUrl'), database }).query(`DROP DATABASE "${database}"`, { database: null }));
    const env = { INFLUX_URL: inject('influxUrl'), INFLUX_DB: database, WX_LOG_LEVEL: 'warn', WX_REGISTRY_FILE: registryPath };
    const worker = await spawnWanxiang(['ingest', '--broker', brokerUrl, '--node-id', 'w1', '--sessions', '1', '--http-port', '0', '--data-dir', join(dir, 'w1')], env, 'Wanxiang ingest is running');
    cleanup.push(async () => worker.kill('SIGKILL'));

    const topics = createTopics('luohu');
    const device = seed.devices.find((candidate) => candidate.family === 'air')!;
    const client = await mqtt.connectAsync(brokerUrl, { clientId: device.id, username: device.id, password: simulatedDeviceSecret(defaultFleetKey, device.id), protocolVersion: 4, reconnectPeriod: 0 });
    cleanup.push(() => client.endAsync(true));
    const errors = topics.build('air', device.id, 'errors');
    expect((await client.subscribeAsync(errors, { qos: 1 })).map((grant) => grant.qos)).toEqual([1]);
    const notice = new Promise<RefusalNotice>((resolve) => client.once('message', (_topic, payload) => resolve(JSON.parse(payload.toString()) as RefusalNotice)));
    await client.publishAsync(topics.build('air', device.id, 'telemetry'), JSON.stringify({ pm25: 'abc', colour: 'blue' }), { qos: 1 });
    expect(await notice).toMatchObject({
      code: 'WX_ERR_WRONG_TYPE',
      problems: [{ code: 'WX_ERR_WRONG_TYPE', message: expect.stringMatching(/pm25/) }, { code: 'WX_ERR_UNKNOWN_FIELD', message: expect.stringMatching(/colour/) }],
    });

    // Disabled in the registry, the device is still let in by mosquitto (its files exported before):
    // the worker refuses its readings once it has read the change, and says so (red team 9).
    expect((await runWanxiang(['devices', 'disable', '--id', device.id, '--registry', registryPath])).code).toBe(0);
    const notices: RefusalNotice[] = [];
    client.on('message', (_topic, payload) => notices.push(JSON.parse(payload.toString()) as RefusalNotice));
    const deadline = Date.now() + 30_000;
    while (!notices.some((n) => n.code === 'WX_ERR_DEVICE_DISABLED') && Date.now() < deadline) {
      await client.publishAsync(topics.build('air', device.id, 'telemetry'), JSON.stringify({ pm25: 12 }), { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(notices.map((n) => n.code)).toContain('WX_ERR_DEVICE_DISABLED');
    // On the devices' listener (use_username_as_clientid) the worker's old session id is its live
    // session's: the start's takeover of old sessions leaves it alone rather than unsubscribe the
    // live session (it did, and the first notice never came).
    expect(worker.output()).toMatch(/old ingest session w1-0 not taken over: the broker gave it the live session's client id/);
  }, 120_000);
});
