import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { historyToolSecret, simulatedDeviceSecret, verifySecret } from '../services/registry/secrets.ts';
import type { Topics } from '../services/topics.ts';

export interface DeviceConnection {
  readonly url: string;
  readonly fleetKey: string;
  readonly topics: Topics;
  /**
   * Who connects: the fleet a platform runs (the default) uses the device id as its client id,
   * as a real device would; a tool (replay, simulate, backfill) names itself, so it never takes
   * over a running fleet's sessions [MQTT-3.1.4-2] (issue 13, item 10).
   */
  readonly tool?: string;
}

/**
 * The devices the fleet key can speak for: enabled, and holding the secret the key derives. A
 * device added with `wanxiang devices add`, or rotated, holds a random secret of its own that no
 * tool knows, and a disabled one is refused at login: before, one such device made the whole
 * simulated fleet fail `wanxiang start`, and a `backfill` fail at its first login (red team 11).
 */
export async function fleetKeyDevices(devices: readonly DeviceRecord[], fleetKey: string): Promise<{ readonly devices: DeviceRecord[]; readonly skipped: { readonly id: string; readonly why: 'disabled' | 'own secret' }[]; readonly disabled: DeviceRecord[] }> {
  const kept: DeviceRecord[] = [];
  const skipped: { id: string; why: 'disabled' | 'own secret' }[] = [];
  // Disabled, but holding the key's secret: the platform's own fleet brings it in once it is enabled.
  const disabled: DeviceRecord[] = [];
  for (const device of devices) {
    const ours = await verifySecret(simulatedDeviceSecret(fleetKey, device.id), device.secretHash);
    if (device.disabled) {
      skipped.push({ id: device.id, why: 'disabled' });
      if (ours) disabled.push(device);
    } else if (ours) kept.push(device);
    else skipped.push({ id: device.id, why: 'own secret' });
  }
  return { devices: kept, skipped, disabled };
}

/**
 * A client id of its own for each tool run: `air-001-replay-3f9a1c`. It starts with the login's
 * id and a hyphen, the only client ids the broker takes besides the id itself (issue 18, item 5).
 * Longer than the 23 bytes every server must accept [MQTT-3.1.3-5]; aedes, like mosquitto,
 * takes longer ones.
 */
export function toolClientId(tool: string, id: string): string {
  return `${id}-${tool}-${randomBytes(3).toString('hex')}`;
}

/** Tools whose readings are history: they log in with the history secret (secrets.ts), so that the platform raises no live alarm for them. */
const historyTools = new Set(['replay', 'backfill']);

/**
 * Connects one simulated device as a real MQTT client with its registry credentials (a replay or
 * backfill: the history secret the fleet key derives) and a Last Will that marks it offline, then
 * announces itself online.
 */
export async function connectDevice(device: DeviceRecord, connection: DeviceConnection, options: { reconnectPeriod?: number; retryFirstConnect?: boolean } = {}): Promise<MqttClient> {
  const status = connection.topics.build(device.family, device.id, 'status');
  // retryFirstConnect false: a connection closed before its CONNACK (a limit at the broker's
  // door) fails the promise instead of retrying forever; once connected, reconnects go on.
  const connect = (password: string) => mqtt.connectAsync(connection.url, {
    clientId: connection.tool ? toolClientId(connection.tool, device.id) : device.id,
    username: device.id,
    password,
    protocolVersion: 4,
    reconnectPeriod: options.reconnectPeriod ?? 1_000,
    connectTimeout: 30_000,
    will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true },
  }, options.retryFirstConnect ?? true);
  const deviceSecret = simulatedDeviceSecret(connection.fleetKey, device.id);
  let client: MqttClient;
  if (historyTools.has(connection.tool ?? '')) {
    // A broker that does not know the history secret (mosquitto, whose password file holds the
    // devices' own) refuses it: the tool then logs in as the device, and its readings are judged
    // by their age alone (older than 15 minutes on arrival: history).
    client = await connect(historyToolSecret(connection.fleetKey, device.id)).catch((error: { code?: number }) => {
      if (error.code !== 4 && error.code !== 5) throw error;
      return connect(deviceSecret);
    });
  } else client = await connect(deviceSecret);
  await client.publishAsync(status, 'online', { qos: 1, retain: true });
  return client;
}

/** Announces offline and disconnects cleanly (a clean disconnect sends no Last Will). */
export async function disconnectDevice(client: MqttClient, device: DeviceRecord, topics: Topics, withinMs = 3_000): Promise<void> {
  // Said and ended in good order while the broker answers; a broker gone (stopped first, or
  // unreachable) never acknowledges the status, and the client then ends at once: a stopped
  // broker once left `wanxiang simulate` waiting for good after Ctrl-C.
  const polite = (async () => {
    if (client.connected) await client.publishAsync(topics.build(device.family, device.id, 'status'), 'offline', { qos: 1, retain: true });
    await client.endAsync();
  })();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolveLate) => {
    timer = setTimeout(() => resolveLate('late'), withinMs);
  });
  const outcome = await Promise.race([polite.then(() => 'done' as const, () => 'failed' as const), late]);
  clearTimeout(timer);
  if (outcome !== 'done') await client.endAsync(true);
}
