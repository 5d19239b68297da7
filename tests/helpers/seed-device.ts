import mqtt, { type MqttClient } from 'mqtt';
import { defaultFleetKey } from '../../services/config.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';

/**
 * A device of the seeds' registry connected as itself over MQTT 3.1.1, with the secret the
 * development fleet key gives it. `tag` goes into its client id, so that it takes no session
 * over from the simulated device of a spawned platform, nor from another test's.
 */
export function connectSeedDevice(mqttUrl: string, id: string, tag: string): Promise<MqttClient> {
  return mqtt.connectAsync(mqttUrl, {
    clientId: `${id}-${tag}-${process.pid}`, username: id, password: simulatedDeviceSecret(defaultFleetKey, id), protocolVersion: 4, reconnectPeriod: 0,
  });
}
