import type { RegistryFile } from '../services/registry/registry-schema.ts';
import { hashDeviceSecret, simulatedDeviceSecret } from '../services/registry/secrets.ts';

/**
 * A registry of `count` devices for load runs: the district's devices, then copies of them
 * (`air-dongmen-2`, ...) at the same places. Their secrets are random tokens, hashed with
 * SHA-256 as every device secret is (secrets.ts), so 10,000 of them hash and verify in milliseconds.
 * Copies speak MQTT only: an HJ 212 station's MN names one data logger, and the registry refuses
 * two devices with the same MN.
 */
export async function scaleRegistry(base: RegistryFile, count: number, fleetKey: string): Promise<RegistryFile> {
  const devices = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const template = base.devices[index % base.devices.length]!;
      const copy = Math.floor(index / base.devices.length);
      if (copy === 0) return { ...template, secretHash: hashDeviceSecret(simulatedDeviceSecret(fleetKey, template.id)) };
      const { hj212: _station, ...mqttOnly } = template;
      const id = `${template.id}-${copy + 1}`;
      return { ...mqttOnly, id, secretHash: hashDeviceSecret(simulatedDeviceSecret(fleetKey, id)) };
    }),
  );
  return { ...base, devices };
}
