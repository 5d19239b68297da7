import { defaultFleetKey } from '../../services/config.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { createTopics } from '../../services/topics.ts';
import { connectDevice } from '../../simulators/device-client.ts';

/**
 * Samples of the seeds' first river section over MQTT, one stamped `ago` ms before it is sent for
 * each of `agesMs`, all with NH3-N `nh3n` mg/L (GB 3838-2002: 5 is worse than Class V, 0.3 within
 * Class II) and the rest within Class III. For a platform on the seeds' registry and the default fleet key.
 */
export async function publishWaterSamples(mqttUrl: string, nh3n: number, agesMs: readonly number[]): Promise<void> {
  const registry = await loadRegistryFile('seeds/devices.json');
  const section = registry.devices.find((device) => device.family === 'water')!;
  const topics = createTopics('luohu');
  const client = await connectDevice(section, { url: mqttUrl, fleetKey: defaultFleetKey, topics }, { reconnectPeriod: 0 });
  for (const ago of agesMs) {
    await client.publishAsync(topics.build('water', section.id, 'telemetry'), JSON.stringify({ ts: Date.now() - ago, ph: 7.2, do: 6, codmn: 4, nh3n, tp: 0.1 }), { qos: 1 });
  }
  await client.endAsync();
}
