import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { hashDeviceSecret, simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { fleetKeyDevices } from '../../simulators/device-client.ts';

const key = 'a-fleet-key-of-this-test-0123456789';
const seeded = await loadRegistryFile(new URL('../../seeds/devices.json', import.meta.url).pathname);
// The seeds' hashes derive from the development key: give them this test's key, as an installation does.
const devices = seeded.devices.slice(0, 4).map((device) => ({ ...device, secretHash: hashDeviceSecret(simulatedDeviceSecret(key, device.id)) }));

describe('the devices a fleet key speaks for (red team 11: one device of its own failed npm start and backfill)', () => {
  it('keeps the devices whose secret the key derives, and leaves out disabled ones and ones with a secret of their own', async () => {
    const [a, b, c, d] = devices as [typeof devices[number], typeof devices[number], typeof devices[number], typeof devices[number]];
    const registry = [a, { ...b, disabled: true }, { ...c, secretHash: hashDeviceSecret(randomBytes(32).toString('base64url')) }, d];
    const { devices: kept, skipped } = await fleetKeyDevices(registry, key);
    expect(kept.map((device) => device.id)).toEqual([a.id, d.id]);
    expect(skipped).toEqual([{ id: b.id, why: 'disabled' }, { id: c.id, why: 'own secret' }]);
  });

  it('keeps none under another key', async () => {
    const { devices: kept, skipped } = await fleetKeyDevices(devices, 'another-fleet-key-0123456789');
    expect(kept).toEqual([]);
    expect(skipped.every(({ why }) => why === 'own secret')).toBe(true);
  });
});
