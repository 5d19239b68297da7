import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import mqtt from 'mqtt';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { createTopics } from '../../services/topics.ts';
import { landedPerDevice, startAckedLoad } from '../../simulators/acked-load.ts';
import { freePort, runWanxiang, spawnWanxiang, startMosquitto, waitFor } from './servers.ts';

const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

describe('ingest as shared-subscription workers of Debian mosquitto', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('splits the stream over two workers, survives a SIGKILLed worker, lands every reading once; the broker refuses foreign topics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-mosquitto-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const seed = await loadRegistryFile('seeds/devices.json');
    const devices = seed.devices.slice(0, 100);
    const registryPath = join(dir, 'devices.json');
    await writeFile(registryPath, JSON.stringify({ ...seed, devices }));

    // The broker's files come from the registry through the CLI.
    const [port, ingestPort] = [await freePort(), await freePort()];
    const exported = await runWanxiang(['devices', 'export', '--mosquitto', join(dir, 'mosquitto'), '--port', String(port), '--ingest-port', String(ingestPort), '--registry', registryPath]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const broker = await startMosquitto(join(dir, 'mosquitto', 'mosquitto.conf'), port);
    cleanup.push(() => broker.stop('SIGKILL'));
    const brokerUrl = `mqtt://127.0.0.1:${broker.port}`;

    const database = `mosq_${randomBytes(4).toString('hex')}`;
    const influx = createInfluxClient({ url: inject('influxUrl'), database });
    cleanup.push(() => influx.query(`DROP DATABASE "${database}"`, { database: null }));
    const env = { INFLUX_URL: inject('influxUrl'), INFLUX_DB: database, WX_LOG_LEVEL: 'warn', WX_REGISTRY_FILE: registryPath };
    // The workers log in on the readers' listener (several sessions under one login; devices cannot log in there).
    const worker = (name: string) => spawnWanxiang(['ingest', '--broker', `mqtt://127.0.0.1:${broker.portOf(ingestPort)}`, '--node-id', name, '--sessions', '4', '--http-port', '0', '--data-dir', join(dir, name)], env, 'Wanxiang ingest is running');
    const workers: Record<string, ChildProcess & { readyText: string }> = { w1: await worker('w1'), w2: await worker('w2') };
    /** Readings a worker received, from its own /metrics. */
    const receivedBy = async (name: string) => {
      const base = /health (http:\/\/\S+)\/healthz/.exec(workers[name]!.readyText)![1]!;
      const text = await (await fetch(`${base}/metrics`)).text();
      return [...text.matchAll(/^wanxiang_readings_received_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
    };
    cleanup.push(async () => Object.values(workers).forEach((child) => child.kill('SIGKILL')));

    const topics = createTopics('luohu');
    // An observer joins the group the workers used to share by default: it may read telemetry, and
    // the broker's ACL cannot keep it out of a $share group, so it was dealt a share of the stream,
    // acknowledged and never stored (red team 9). The workers' group is now derived from their secret.
    const groupie = await mqtt.connectAsync(brokerUrl, { clientId: 'observer', username: 'observer', password: simulatedDeviceSecret(defaultFleetKey, 'observer'), reconnectPeriod: 0 });
    cleanup.push(() => groupie.endAsync(true));
    await groupie.subscribeAsync(`$share/wanxiang/${topics.filterAll('telemetry')}`, { qos: 1 });
    const load = await startAckedLoad({ url: brokerUrl, fleetKey: defaultFleetKey, topics, devices, intervalMs: 250 });
    cleanup.push(() => load.close());
    await waitFor(async () => total(await landedPerDevice(influx, devices)) >= 400, 'both workers writing', 30_000);
    // The group splits the stream: each worker has its share.
    expect(await receivedBy('w1')).toBeGreaterThan(50);
    expect(await receivedBy('w2')).toBeGreaterThan(50);

    workers.w1!.kill('SIGKILL');
    await new Promise((resolve) => workers.w1!.once('exit', resolve));
    const landedAtKill = total(await landedPerDevice(influx, devices));
    // w2 carries on alone: its share keeps landing while w1 is down.
    await waitFor(async () => total(await landedPerDevice(influx, devices)) >= landedAtKill + 300, 'w2 carrying on', 30_000);
    // w1 comes back under its name: its persistent sessions collect what was dealt to them meanwhile,
    // and its spool writes what it acknowledged before the kill.
    workers.w1 = await worker('w1');
    await delay(1_500);
    await load.stop();
    expect(load.ackedCount).toBe(load.sent);

    let landed = await landedPerDevice(influx, devices);
    await waitFor(async () => total((landed = await landedPerDevice(influx, devices))) >= load.sent, `${load.sent} readings in InfluxDB`, 150_000);
    // Exactly once in the stored points: redelivered duplicates overwrite themselves (same series, same time).
    for (const device of devices) expect(landed.get(device.id), device.id).toBe(load.acked.get(device.id)!.size);
    expect(total(landed)).toBe(load.sent);

    // A device writing to another device's topic: mosquitto's ACL refuses it (MQTT 5 PUBACK 0x87,
    // Not authorized) and nobody receives it.
    const [thief, victim] = [devices[0]!, devices[1]!];
    const observer = await mqtt.connectAsync(brokerUrl, { clientId: 'observer-test', username: 'observer', password: simulatedDeviceSecret(defaultFleetKey, 'observer'), reconnectPeriod: 0 });
    cleanup.push(() => observer.endAsync(true));
    const seen: string[] = [];
    observer.on('message', (topic) => seen.push(topic));
    await observer.subscribeAsync(topics.filterAll('telemetry'), { qos: 1 });
    const forger = await mqtt.connectAsync(brokerUrl, { clientId: thief.id, username: thief.id, password: simulatedDeviceSecret(defaultFleetKey, thief.id), protocolVersion: 5, reconnectPeriod: 0 });
    cleanup.push(() => forger.endAsync(true));
    // mosquitto grants any filter and applies the read ACL per message: the device hears nothing.
    const overheard: string[] = [];
    forger.on('message', (topic) => overheard.push(topic));
    await forger.subscribeAsync(topics.filterAll('telemetry'), { qos: 1 });
    const forged = JSON.stringify({ ts: Date.now() - 1_000, pm25: 1 });
    const refused = await forger.publishAsync(topics.build(victim.family, victim.id, 'telemetry'), forged, { qos: 1 }).then(() => 0, (error: { code?: number }) => error.code);
    expect(refused).toBe(135);
    const own = topics.build(thief.family, thief.id, 'telemetry');
    await forger.publishAsync(own, JSON.stringify({ ts: Date.now(), pm25: 12, pm10: 30 }), { qos: 1 });
    await waitFor(() => seen.length > 0, 'the observer hearing the thief’s own reading', 10_000);
    expect(seen).toEqual([own]);
    expect(overheard).toEqual([]);
  }, 240_000);
});
