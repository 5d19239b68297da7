import { getFamily } from '../families/index.ts';
import type { DeviceRecord } from './registry-schema.ts';

/**
 * The InfluxDB tags of everything stored about a device, raw points and rollups alike:
 * registry values only (bounded), plus the ones its family adds (river, substation, road, ...).
 */
export function deviceTags(device: DeviceRecord): Record<string, string> {
  return { device: device.id, site: device.site, street: device.street, ...getFamily(device.family).tagsFrom?.(device.attributes) };
}
