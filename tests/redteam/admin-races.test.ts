import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFileLock } from '../../services/file-lock.ts';
import { setDisabled } from '../../services/registry/device-admin.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { saveRegistryFile } from '../../services/registry/registry-file.ts';
import { verifySecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const tokens = { admin: 'admin-token-0123456789abcdef' };

/**
 * Device administration over the API (issue 19) attacked as two admins at once: each change is
 * made to the registry as the one before left it, so none is lost. Before, both read the same
 * registry while the first was being saved, and the second's save undid the first: a rotation
 * answered with a new secret left the old one working, a disable left the device enabled.
 */
describe('red team: registry changes racing over the API', () => {
  let test: TestPlatform;
  let url: string;
  const post = (target: string) => rawRequest(url, { target, method: 'POST', headers: { authorization: `Bearer ${tokens.admin}` } });

  beforeAll(async () => {
    test = await startTestPlatform({ http: { tokens: [{ role: 'admin', token: tokens.admin }] } });
    url = test.endpoints.httpUrl;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('keeps every one of several changes made at once, in memory and in the file', async () => {
    const rotated = ['air-sungang', 'air-guiyuan', 'air-huangbei'];
    const disabled = test.platform.registry.devices.filter((device) => device.family === 'noise').slice(0, 3).map((device) => device.id);
    const answers = await Promise.all([
      ...rotated.map((id) => post(`/api/v1/devices/${id}/rotate`)),
      ...disabled.map((id) => post(`/api/v1/devices/${id}/disable`)),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const secrets = new Map(answers.slice(0, rotated.length).map((answer) => {
      const body = JSON.parse(answer.body) as { id: string; secret: string };
      return [body.id, body.secret];
    }));
    const onDisk = JSON.parse(await readFile(test.config.registryFile!, 'utf8')) as { devices: Array<{ id: string; secretHash: string; disabled?: boolean }> };
    for (const registry of [test.platform.registry.file, onDisk]) {
      for (const id of disabled) expect(registry.devices.find((device) => device.id === id)!.disabled, id).toBe(true);
      for (const id of rotated) expect(await verifySecret(secrets.get(id)!, registry.devices.find((device) => device.id === id)!.secretHash), id).toBe(true);
    }
  });

  it('keeps a change the CLI saved a moment before an API change (made to the file, not to the copy the platform last took)', async () => {
    const path = test.config.registryFile!;
    for (let round = 0; round < 3; round += 1) {
      const victim = ['air-dongmen', 'air-nanhu', 'air-qingshuihe'][round]!;
      // What `wanxiang devices disable` does: under the file's lock, the file rewritten.
      await withFileLock(path, async () => saveRegistryFile(path, setDisabled(await loadRegistryFile(path), victim, true)));
      // At once, before the platform's watcher has taken the file: an admin rotates another device.
      expect((await post('/api/v1/devices/grid-liyuan/rotate')).status).toBe(200);
      const onDisk = await loadRegistryFile(path);
      expect(onDisk.devices.find((device) => device.id === victim)!.disabled, `round ${round}`).toBe(true);
      await expect.poll(() => test.platform.registry.device(victim)?.disabled).toBe(true);
    }
  });
});
