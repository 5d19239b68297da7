import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { getFamily } from '../../../services/families/index.ts';
import { parseRegistry } from '../../../services/registry/device-registry.ts';

/**
 * Issue 25 audit: a depth gauge registered without its levels was judged by the alarm rules at the
 * documented defaults (15 and 27 cm: the rules have their own fallback) but shown "有积水" on the wall
 * and counted 0 hours at caution in the rollups, which read the raw record without the defaults.
 */
describe('a depth gauge registered without levels is judged at the defaults everywhere', () => {
  it('the registry holds its attributes with the family schema\'s defaults, and its state follows them', async () => {
    const seeds = JSON.parse(await readFile('seeds/devices.json', 'utf8')) as { devices: Array<{ id: string; attributes: Record<string, unknown> }> };
    const gauge = seeds.devices.find((device) => device.attributes.gauge === 'depth')!;
    delete gauge.attributes.cautionCm;
    delete gauge.attributes.impassableCm;
    const registered = parseRegistry(seeds).devices.find((device) => device.id === gauge.id)!;
    expect(registered.attributes).toMatchObject({ cautionCm: 15, impassableCm: 27 });
    const family = getFamily('waterlogging');
    expect(family.state?.({ depth: 31 }, registered.attributes as never, Date.now())).toMatchObject({ label: 'impassable', severity: 3, limit: 27 });
    expect(family.state?.({ depth: 20 }, registered.attributes as never, Date.now())).toMatchObject({ label: 'caution', severity: 2, limit: 15 });
  });
});
