import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { defaultFleetKey } from '../../services/config.ts';
import { familyIds } from '../../services/families/index.ts';
import { createDeviceRegistry, loadRegistryFile, parseRegistry } from '../../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';

const path = new URL('../../seeds/devices.json', import.meta.url).pathname;

describe('the device registry seed', () => {
  it('validates, covers every family and names the plan’s places', async () => {
    const registry = await loadRegistryFile(path);
    expect(registry.version).toBe(1);
    expect(new Set(registry.devices.map((device) => device.family))).toEqual(new Set(familyIds));
    const sections = registry.devices.filter((device) => device.family === 'water').map((device) => device.attributes.sectionName);
    expect(sections).toEqual(expect.arrayContaining(['深圳河河口', '布吉河河口', '深圳水库排洪河河口', '莲塘河采石场']));
    const roads = registry.devices.filter((device) => device.attributes.zoneClass === '4a').map((device) => device.attributes.roadName);
    expect(roads).toEqual(expect.arrayContaining(['布心路', '沿河北路', '沿河南路']));
  });

  it('holds no secret in clear, only scrypt hashes that verify', async () => {
    const text = await readFile(path, 'utf8');
    const file = parseRegistry(JSON.parse(text));
    const registry = createDeviceRegistry(file);
    const device = file.devices[0]!;
    expect(text).not.toContain(simulatedDeviceSecret(defaultFleetKey, device.id));
    expect(await registry.login(device.id, simulatedDeviceSecret(defaultFleetKey, device.id))).toMatchObject({ ok: true });
    expect(await registry.login(device.id, 'guess')).toEqual({ ok: false, code: 'WX_ERR_BAD_CREDENTIALS' });
    expect(await registry.login('nobody', 'guess')).toEqual({ ok: false, code: 'WX_ERR_UNKNOWN_DEVICE' });
  });

  it('refuses a registry with every problem named', () => {
    expect(() => parseRegistry({ version: 1, district: 'x', streets: [{ id: 's', name: 'S' }], observers: [], devices: [
      { id: 'a b', family: 'air', site: 's', siteName: 'S', street: 'nowhere', lat: 0, lon: 114, secretHash: 'scrypt$', attributes: {} },
    ] })).toThrow(expect.objectContaining({ code: 'WX_ERR_SEED_INVALID', message: expect.stringMatching(/devices\.0\.id.*devices\.0\.lat.*stationKind/s) }));
  });
});
