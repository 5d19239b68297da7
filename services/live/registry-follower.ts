import type { DeviceRegistry } from '../registry/device-registry.ts';

export interface RegistryFollower {
  /**
   * Null while the registry is the one last seen; after a change, the devices whose readings the
   * live view holds no longer stand for them: gone from the registry, or now of another family
   * (their values are the old family's fields, judged by the old family's standard).
   */
  changes(): { readonly ended: readonly string[] } | null;
}

/**
 * Follows the registry the live view judges by. A change comes from the admin API, the CLI's file
 * or the cluster (services/components/registry-updates.ts), each a new file object: one identity
 * test per tick finds it, whichever way it came.
 */
export function createRegistryFollower(registry: DeviceRegistry): RegistryFollower {
  let file = registry.file;
  return {
    changes() {
      if (registry.file === file) return null;
      const before = file.devices;
      file = registry.file;
      return { ended: before.filter((device) => registry.device(device.id)?.family !== device.family).map((device) => device.id) };
    },
  };
}
