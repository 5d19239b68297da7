import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { getFamily } from '../services/families/index.ts';
import { deviceReportIntervalMs } from '../services/registry/report-interval.ts';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { connectDevice, disconnectDevice, type DeviceConnection } from './device-client.ts';
import { applyFaults, noFaults, type FaultPlan } from './faults.ts';
import { generateReading } from './generate-reading.ts';
import { createRng, hashSeed } from './rng.ts';

export interface FleetOptions extends DeviceConnection {
  readonly devices: readonly DeviceRecord[];
  readonly seed: number;
  readonly log: Logger;
  /** One interval for every device; by default each family's own report interval. */
  readonly intervalMs?: number;
  readonly faults?: FaultPlan;
  /** How many devices connect at once (a reconnect storm is a test of its own). */
  readonly connectConcurrency?: number;
  readonly now?: () => number;
  /**
   * Whether the registry lets the device log in now: a device refused at login (disabled, then
   * enabled again) is tried again once it does. mqtt.js never retries a refused CONNECT by itself.
   * Without it (a fleet of another platform's devices), a refused device is tried again every
   * `comebackMs`.
   */
  readonly mayConnect?: (deviceId: string) => boolean;
  /** How often a refused device is looked at again; default 5 s with mayConnect, else 60 s. */
  readonly comebackMs?: number;
  /** Devices not let in now (disabled), brought in once mayConnect says they may log in. */
  readonly waiting?: readonly DeviceRecord[];
}

export interface FleetStats {
  readonly devices: number;
  readonly connected: number;
  readonly connectMs: number;
  readonly published: number;
  readonly publishFailures: number;
  readonly faults: Readonly<Record<string, number>>;
}

export interface Fleet {
  start(): Promise<void>;
  close(): Promise<void>;
  stats(): FleetStats;
}

interface Member {
  readonly device: DeviceRecord;
  client?: MqttClient;
  timer?: NodeJS.Timeout;
  stuckValues?: Record<string, number>;
  reports: number;
  away: boolean;
}

/** The simulated district: each device a real MQTT client with its own credentials. */
export function createFleet(options: FleetOptions): Fleet {
  const now = options.now ?? Date.now;
  const faults = options.faults ?? noFaults;
  const members: Member[] = options.devices.map((device) => ({ device, reports: 0, away: false }));
  const waiting: Member[] = (options.mayConnect ? options.waiting ?? [] : []).map((device) => ({ device, reports: 0, away: true }));
  const faultCounts: Record<string, number> = {};
  let published = 0;
  let publishFailures = 0;
  let connectMs = 0;
  let closed = false;
  let startedAtMs: number | undefined;
  const count = (fault: string) => (faultCounts[fault] = (faultCounts[fault] ?? 0) + 1);

  // The device's registered interval (seeds/devices.json), else its family's: what the platform counts coverage against.
  const intervalOf = (device: Member['device']) => options.intervalMs ?? deviceReportIntervalMs(device);

  function publish(member: Member, topic: string, payload: string): void {
    member.client!.publish(topic, payload, { qos: getFamily(member.device.family).qos }, (error) => {
      if (error) publishFailures += 1;
      else published += 1;
    });
  }

  function report(member: Member): void {
    const { device, client } = member;
    if (!client?.connected || member.away) return;
    const ts = now();
    member.reports += 1;
    const draw = createRng(hashSeed(options.seed, 'report', device.id, member.reports)).next;
    const plan = applyFaults(faults, options.seed, device, { ts, values: generateReading(options.seed, device, ts, { intervalMs: intervalOf(device), runStartMs: startedAtMs }) }, member.stuckValues, draw);
    member.stuckValues ??= plan.values;
    if (plan.dropout) return dropOut(member);
    const topic = plan.wrongTopic ? neighbourTopic(member) : options.topics.build(device.family, device.id, 'telemetry');
    if (plan.wrongTopic) count('wrongTopic');
    if (plan.payloads.length > 1) count('duplicate');
    for (const payload of plan.payloads) publish(member, topic, payload);
  }

  // Another device's telemetry topic: the next member's, or a made-up neighbour's in a fleet of one.
  function neighbourTopic(member: Member): string {
    const next = members[(members.indexOf(member) + 1) % members.length]!.device;
    const neighbour = next === member.device ? { family: next.family, id: `${next.id}-neighbour` } : next;
    return options.topics.build(neighbour.family, neighbour.id, 'telemetry');
  }

  /**
   * A client's errors, which mqtt.js emits after the CONNECT too: a refused login (CONNACK with a
   * reason code: the device was disabled, or its secret rotated) ends its reconnects for good, so
   * the member comes back through comeBack; anything else mqtt.js retries itself.
   */
  function watch(member: Member, client: MqttClient): MqttClient {
    client.on('error', (error: Error & { code?: unknown }) => {
      if (typeof error.code !== 'number' || member.client !== client || closed) return;
      options.log.info({ device: member.device.id, err: error }, 'simulated device refused at login: tried again once the registry lets it in');
      member.away = true;
      clearTimeout(member.timer); // its reports, until it is back
      client.end(true);
      comeBack(member);
    });
    return client;
  }

  function comeBack(member: Member): void {
    const every = options.comebackMs ?? (options.mayConnect ? 5_000 : 60_000);
    member.timer = setTimeout(() => {
      if (closed) return;
      if (options.mayConnect && !options.mayConnect(member.device.id)) return comeBack(member);
      connectDevice(member.device, options, { retryFirstConnect: false }).then((client) => {
        if (closed) return void client.end(true);
        member.client = watch(member, client);
        member.away = false;
        const interval = intervalOf(member.device);
        member.timer = setInterval(() => report(member), interval);
      }, () => comeBack(member));
    }, every);
    member.timer.unref();
  }

  // A dropout kills the socket (so the broker publishes the Last Will) and reconnects later.
  function dropOut(member: Member): void {
    count('dropout');
    member.away = true;
    member.client!.stream.destroy();
    member.client!.end(true);
    setTimeout(() => {
      if (closed) return;
      connectDevice(member.device, options).then((client) => {
        member.client = watch(member, client);
        member.away = false;
      }, (error: unknown) => options.log.warn({ device: member.device.id, err: error }, 'reconnect after dropout failed'));
    }, faults.dropoutMs).unref();
  }

  async function connectAll(): Promise<void> {
    const queue = [...members];
    const workers = Array.from({ length: Math.min(options.connectConcurrency ?? 200, queue.length) }, async () => {
      for (let member = queue.shift(); member; member = queue.shift()) member.client = watch(member, await connectDevice(member.device, options));
    });
    await Promise.all(workers);
  }

  return {
    async start() {
      const started = performance.now();
      startedAtMs = now();
      await connectAll();
      connectMs = performance.now() - started;
      const rng = createRng(options.seed);
      for (const member of members) {
        const interval = intervalOf(member.device);
        // Spread the devices over their interval so the broker sees a steady stream.
        member.timer = setTimeout(() => {
          report(member);
          member.timer = setInterval(() => report(member), interval);
        }, Math.floor(rng.next() * interval));
      }
      options.log.info({ devices: members.length, connectMs: Math.round(connectMs) }, 'simulated fleet reporting');
      for (const member of waiting) {
        members.push(member);
        comeBack(member);
      }
    },
    async close() {
      closed = true;
      for (const member of members) clearTimeout(member.timer);
      await Promise.all(
        members.map(async ({ client, device }) => {
          if (client) await disconnectDevice(client, device, options.topics).catch(() => client.end(true));
        }),
      );
    },
    stats: () => ({
      devices: members.length,
      connected: members.filter((member) => member.client?.connected).length,
      connectMs,
      published,
      publishFailures,
      faults: { ...faultCounts },
    }),
  };
}
