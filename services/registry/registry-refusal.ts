import { isWanxiangError } from '../errors.ts';

/**
 * Why the registry file on disk was refused while the platform runs (a hand edit into something
 * invalid): the previous registry stays in force, so a change made in that file (a device
 * disabled) is not. Before, only one log line said so and /healthz stayed "ok" (red team).
 */
export interface RegistryRefusal {
  readonly code: string;
  /** The code and the last refused file's error, e.g. `WX_ERR_REGISTRY_INVALID: the registry …: devices.3.lat: Too big …`. */
  readonly invalid: string;
  /** When the file on disk was first refused (a later invalid edit keeps this time): how long the registry has been out of step. */
  readonly since: string;
}

/** The refusal of a registry file that failed to load; `earlier` is the refusal still standing, if any. */
export function registryRefusal(path: string, error: unknown, earlier: RegistryRefusal | undefined, now: Date): RegistryRefusal {
  // loadRegistryFile's own errors carry WX_ERR_REGISTRY_INVALID; anything else is the file unreadable (deleted, no permission).
  const code = isWanxiangError(error) ? error.code : 'WX_ERR_FILE';
  const message = isWanxiangError(error) ? error.message : `the registry ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`;
  return { code, invalid: `${code}: ${message}`, since: earlier?.since ?? now.toISOString() };
}

/** The refusal as one of /healthz's problems (services/api/build-api.ts), beside the data folder's. */
export function registryProblem(refusal: RegistryRefusal): { code: string; message: string } {
  return {
    code: refusal.code,
    message: `the registry file was refused since ${refusal.since} and the previous registry stays in force: changes made in that file (a device disabled or added) are not taken until it is valid again (${refusal.invalid})`,
  };
}
