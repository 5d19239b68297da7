import type { DeviceRecord } from '../registry/registry-schema.ts';
import { getFamily } from '../families/index.ts';
import type { Point } from '../storage/line-protocol.ts';
import type { Reading } from './reading.ts';

/**
 * A Reading as an InfluxDB point. Tags come only from the registry (bounded values);
 * the receive lag is a field so that clock drift can be seen without a tag per value.
 */
export function readingToPoint(reading: Reading, device: DeviceRecord): Point {
  const family = getFamily(reading.family);
  const fields: Array<[string, number, 'float' | 'int']> = [];
  for (const [key, value] of Object.entries(reading.values)) {
    const spec = family.fields[key]!;
    fields.push([spec.field, value, spec.type]);
  }
  if (family.derive) {
    for (const [field, value] of Object.entries(family.derive(reading.values, device.attributes))) {
      fields.push([field, value, family.fieldTypes.get(field) ?? 'float']);
    }
  }
  fields.push(['recv_lag_ms', reading.receivedAtMs - reading.timeMs, 'int']);
  return {
    measurement: family.measurement,
    tags: { device: device.id, site: device.site, street: device.street, ...family.tagsFrom?.(device.attributes) },
    fields,
    timeMs: reading.timeMs,
  };
}
