import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryUpdates } from '../../services/components/registry-updates.ts';
import type { Config } from '../../services/config.ts';
import { withFileLock } from '../../services/file-lock.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile } from '../../services/registry/device-registry.ts';
import { saveRegistryFile } from '../../services/registry/registry-file.ts';

const stillWaiting = (change: Promise<unknown>, ms: number) =>
  Promise.race([change.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), ms))]);

// A registry another node published is written under the file's lock, as the CLI's and the API's
// changes are: written in the middle of a CLI change (read, change, save), it was overwritten by
// the CLI's older copy, which the watcher then announced to the whole cluster.
describe('a registry taken from the cluster', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-remote-registry-'));
    file = join(dir, 'devices.json');
    await copyFile(new URL('../../seeds/devices.json', import.meta.url), file);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('waits for a change holding the file\'s lock, and is written after it, never inside it', async () => {
    const seeded = await loadRegistryFile(file);
    const updates = createRegistryUpdates({
      config: { registryFile: file } as Config, log: pino({ level: 'silent' }), metrics: createMetrics(),
      registry: createDeviceRegistry(seeded), node: () => undefined, broker: () => undefined,
    });
    const [first, second] = seeded.devices;
    const remote = { ...seeded, devices: seeded.devices.map((device) => (device.id === first!.id ? { ...device, disabled: true } : device)) };
    let taking: Promise<void> | undefined;
    await withFileLock(file, async () => {
      const read = await loadRegistryFile(file); // a CLI change: read ...
      taking = updates.takeRemote(remote);
      expect(await stillWaiting(taking, 400)).toBe(true);
      expect((await loadRegistryFile(file)).devices.find((device) => device.id === first!.id)?.disabled).not.toBe(true);
      // ... change and save (the CLI's own change, on the copy it read).
      await saveRegistryFile(file, { ...read, devices: read.devices.map((device) => (device.id === second!.id ? { ...device, disabled: true } : device)) });
    });
    await taking;
    // The remote registry is written whole after the CLI's change, not torn into it.
    expect((await loadRegistryFile(file)).devices.find((device) => device.id === first!.id)?.disabled).toBe(true);
  });
});
