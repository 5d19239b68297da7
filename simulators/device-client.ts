import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { simulatedDeviceSecret } from '../services/registry/secrets.ts';
import type { Topics } from '../services/topics.ts';

export interface DeviceConnection {
  readonly url: string;
  readonly fleetKey: string;
  readonly topics: Topics;
}

/**
 * Connects one simulated device as a real MQTT client with its registry credentials and
 * a Last Will that marks it offline, then announces itself online.
 */
export async function connectDevice(device: DeviceRecord, connection: DeviceConnection, options: { reconnectPeriod?: number } = {}): Promise<MqttClient> {
  const status = connection.topics.build(device.family, device.id, 'status');
  const client = await mqtt.connectAsync(connection.url, {
    clientId: device.id,
    username: device.id,
    password: simulatedDeviceSecret(connection.fleetKey, device.id),
    protocolVersion: 4,
    reconnectPeriod: options.reconnectPeriod ?? 1_000,
    connectTimeout: 30_000,
    will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  await client.publishAsync(status, 'online', { qos: 1, retain: true });
  return client;
}

/** Announces offline and disconnects cleanly (a clean disconnect sends no Last Will). */
export async function disconnectDevice(client: MqttClient, device: DeviceRecord, topics: Topics): Promise<void> {
  if (client.connected) await client.publishAsync(topics.build(device.family, device.id, 'status'), 'offline', { qos: 1, retain: true });
  await client.endAsync();
}
