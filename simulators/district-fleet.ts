import { createFleet, type Fleet, type FleetOptions, type FleetStats } from './fleet.ts';
import { createHj212Fleet, type Hj212Fleet, type Hj212FleetStats } from './hj212-fleet.ts';
import { parseStationUrl } from './hj212-client.ts';
import { speaksHj212 } from './hj212-packets.ts';

export interface DistrictFleetOptions extends FleetOptions {
  /** The platform's HJ 212 receiver (`tcp://host:port`), or null when it is off: then every device speaks MQTT. */
  readonly hj212Url: string | null;
}

export interface DistrictFleet extends Fleet {
  stats(): FleetStats & { readonly hj212: Hj212FleetStats | null };
}

/**
 * The simulated district of `npm start` (issue 20, item 5): devices the registry gives an HJ 212
 * block (the national air stations, the water sections, the VOC exhaust points) speak HJ 212 to
 * the platform's receiver, as the real ones do; the rest speak MQTT JSON.
 */
export function createDistrictFleet(options: DistrictFleetOptions): DistrictFleet {
  const { hj212Url, ...mqttOptions } = options;
  const isStation = (device: FleetOptions['devices'][number]) => hj212Url !== null && device.hj212 !== undefined && speaksHj212(device.family);
  // A disabled station comes back by itself: a simulated station connects again for each packet it sends.
  const mqtt = createFleet({ ...mqttOptions, devices: options.devices.filter((device) => !isStation(device)), waiting: options.waiting?.filter((device) => !isStation(device)) ?? [] });
  const stations = options.devices.filter(isStation);
  const hj212: Hj212Fleet | null = hj212Url !== null && stations.length > 0
    ? createHj212Fleet({ url: parseStationUrl(hj212Url), devices: stations, fleetKey: options.fleetKey, seed: options.seed, log: options.log, intervalMs: options.intervalMs, now: options.now })
    : null;
  return {
    async start() {
      await Promise.all([mqtt.start(), hj212?.start()]);
    },
    async close() {
      await Promise.all([mqtt.close(), hj212?.close()]);
    },
    stats: () => ({ ...mqtt.stats(), hj212: hj212?.stats() ?? null }),
  };
}
