import { describe, expect, it } from 'vitest';
import { createDeviceRegistry } from '../../services/registry/device-registry.ts';
import { hashDeviceSecret, hashSecret, simulatedDeviceSecret, verifySecret } from '../../services/registry/secrets.ts';
import { newSecret } from '../../services/registry/device-admin.ts';
import { isWanxiangError } from '../../services/errors.ts';

describe('device secrets hashed for reconnect storms', () => {
  it('verifies SHA-256 hashes of device tokens, and refuses a wrong token', async () => {
    const secret = newSecret();
    const stored = hashDeviceSecret(secret);
    expect(stored).toMatch(/^sha256\$/);
    expect(stored).not.toContain(secret);
    expect(await verifySecret(secret, stored)).toBe(true);
    expect(await verifySecret(newSecret(), stored)).toBe(false);
    expect(await verifySecret(secret, 'sha256$short')).toBe(false);
  });

  it('still accepts scrypt hashes stored before (existing devices keep working)', async () => {
    const secret = simulatedDeviceSecret('a-fleet-key', 'air-1');
    const old = await hashSecret(secret, undefined, { N: 1024, r: 8, p: 1 });
    expect(await verifySecret(secret, old)).toBe(true);
    expect(await verifySecret(`${secret}x`, old)).toBe(false);
  });

  it('refuses to fast-hash anything shorter than a random token', () => {
    let error: unknown;
    try {
      hashDeviceSecret('password');
    } catch (caught) {
      error = caught;
    }
    expect(isWanxiangError(error) && error.code).toBe('WX_ERR_INVALID_ARGUMENT');
  });

  it('logs devices in with either hash, observers with scrypt', async () => {
    const fast = newSecret();
    const slow = newSecret();
    const observer = 'a human passphrase';
    const registry = createDeviceRegistry({
      version: 1,
      district: 'test',
      streets: [{ id: 's', name: 'S' }],
      devices: [],
      observers: [{ id: 'observer', role: 'observer', secretHash: await hashSecret(observer, undefined, { N: 1024, r: 8, p: 1 }) }],
    });
    const template = { family: 'parking', site: 's', siteName: 'S', street: 's', lat: 22.5, lon: 114.1, attributes: { capacity: 10, lotKind: 'office' } };
    registry.replace({ ...registry.file, devices: [
      { ...template, id: 'p-fast', secretHash: hashDeviceSecret(fast) },
      { ...template, id: 'p-slow', secretHash: await hashSecret(slow, undefined, { N: 1024, r: 8, p: 1 }) },
    ] } as never);
    expect((await registry.login('p-fast', fast)).ok).toBe(true);
    expect((await registry.login('p-slow', slow)).ok).toBe(true);
    expect((await registry.login('p-fast', slow)).ok).toBe(false);
    expect((await registry.login('observer', observer)).ok).toBe(true);
  });
});
