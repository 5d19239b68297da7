import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, defaultFleetKey } from '../../services/config.ts';
import { installationPaths, prepareInstallation, useInstallation } from '../../services/installation.ts';
import { createDeviceRegistry, loadRegistryFile } from '../../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';

describe('a fleet key of this installation (issue 13, item 22)', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-installation-'));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('is made on the first start, kept private in the data folder, and the seeded secrets follow it', async () => {
    const base = configFromEnv({ WX_DATA_DIR: work });
    expect(await useInstallation(base)).toEqual(base); // nothing there yet: the tools keep the defaults
    const config = await prepareInstallation(base);
    const paths = installationPaths(work);
    expect(config.fleetKey).not.toBe(defaultFleetKey);
    expect(config.registryFile).toBe(paths.registry);
    expect((await readFile(paths.key, 'utf8')).trim()).toBe(config.fleetKey);
    expect((await stat(paths.key)).mode & 0o777).toBe(0o600);

    const registry = createDeviceRegistry(await loadRegistryFile(paths.registry));
    expect(await registry.login('observer', simulatedDeviceSecret(config.fleetKey, 'observer'))).toMatchObject({ ok: true });
    expect(await registry.login('air-guiyuan', simulatedDeviceSecret(config.fleetKey, 'air-guiyuan'))).toMatchObject({ ok: true });
    expect(await registry.login('air-guiyuan', simulatedDeviceSecret(defaultFleetKey, 'air-guiyuan'))).toMatchObject({ ok: false, code: 'WX_ERR_BAD_CREDENTIALS' });

    // The next start and every tool use the same key and registry.
    expect(await prepareInstallation(base)).toEqual(config);
    expect(await useInstallation(base)).toEqual(config);
  });

  it('is not made when WX_FLEET_KEY or WX_REGISTRY_FILE says otherwise', async () => {
    const explicit = configFromEnv({ WX_DATA_DIR: join(work, 'explicit'), WX_FLEET_KEY: 'the-operators-own-key' });
    expect(await prepareInstallation(explicit)).toEqual(explicit);
  });
});
