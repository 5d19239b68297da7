import mqtt, { type MqttClient } from 'mqtt';

/** An MQTT client that does not reconnect and keeps every message it gets, as [topic, payload], in `got`. */
export async function recordingClient(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient & { got: Array<[string, string]> }> {
  const connected = Object.assign(await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options }), { got: [] as Array<[string, string]> });
  connected.on('message', (topic, payload) => connected.got.push([topic, payload.toString()]));
  return connected;
}
