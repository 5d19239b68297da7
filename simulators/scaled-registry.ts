import type { RegistryFile } from '../services/registry/registry-schema.ts';
import { hashSecret, simulatedDeviceSecret } from '../services/registry/secrets.ts';

/**
 * A registry of `count` devices for load runs: the district's devices, then copies of them
 * (`air-dongmen-2`, ...) at the same places. Their secrets are hashed at a low scrypt cost
 * (N = 2^10): these are throwaway load-test credentials, and 10,000 of them must hash and
 * verify in seconds.
 */
export async function scaleRegistry(base: RegistryFile, count: number, fleetKey: string): Promise<RegistryFile> {
  const cost = { N: 1024, r: 8, p: 1 };
  const devices = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const template = base.devices[index % base.devices.length]!;
      const copy = Math.floor(index / base.devices.length);
      const id = copy === 0 ? template.id : `${template.id}-${copy + 1}`;
      return { ...template, id, secretHash: await hashSecret(simulatedDeviceSecret(fleetKey, id), undefined, cost) };
    }),
  );
  return { ...base, devices };
}
