import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { getFamily } from '../services/families/index.ts';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { connectDevice, disconnectDevice, type DeviceConnection } from './device-client.ts';
import { familySimulators } from './families/index.ts';
import { createRng } from './rng.ts';

export interface FleetOptions extends DeviceConnection {
  readonly devices: readonly DeviceRecord[];
  readonly intervalMs: number;
  readonly seed: number;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface Fleet {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly published: number;
}

/** A small simulated district: each device a real MQTT client reporting every interval. */
export function createFleet(options: FleetOptions): Fleet {
  const now = options.now ?? Date.now;
  const rng = createRng(options.seed);
  const members: Array<{ device: DeviceRecord; client: MqttClient; timer?: NodeJS.Timeout }> = [];
  let published = 0;

  function report(device: DeviceRecord, client: MqttClient): void {
    if (!client.connected) return;
    const values = familySimulators[device.family](device, now(), rng);
    const topic = options.topics.build(device.family, device.id, 'telemetry');
    client.publish(topic, JSON.stringify({ ts: now(), ...values }), { qos: getFamily(device.family).qos }, (error) => {
      if (error) options.log.warn({ device: device.id, err: error }, 'simulated publish failed');
      else published += 1;
    });
  }

  return {
    get published() {
      return published;
    },
    async start() {
      for (const device of options.devices) {
        const client = await connectDevice(device, options);
        const member: (typeof members)[number] = { device, client };
        members.push(member);
        // Spread the devices over the interval so the broker sees a steady stream.
        const offset = Math.floor(rng.next() * options.intervalMs);
        member.timer = setTimeout(() => {
          report(device, client);
          member.timer = setInterval(() => report(device, client), options.intervalMs);
        }, offset);
      }
      options.log.info({ devices: members.length, intervalMs: options.intervalMs }, 'simulated fleet reporting');
    },
    async close() {
      for (const member of members) clearTimeout(member.timer);
      await Promise.all(members.map((member) => disconnectDevice(member.client, member.device, options.topics).catch(() => member.client.end(true))));
      members.length = 0;
    },
  };
}
