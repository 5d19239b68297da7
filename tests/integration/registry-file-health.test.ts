import { readFile, writeFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

interface Health {
  readonly status: string;
  readonly problems?: Array<{ code: string; message: string }>;
  readonly registry?: { invalid: string; since: string };
}

/** The CONNACK return code of a login (0 accepted), or the error's message when the connection failed first. */
function login(url: string, username: string, password: string): Promise<number | string> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { clientId: username, username, password, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4 });
    client.on('connect', () => { client.end(true); resolve(0); });
    client.on('error', (error) => { client.end(true); resolve((error as { code?: number }).code ?? error.message); });
  });
}

/**
 * Red team: the registry file edited by hand into something invalid while the platform runs was
 * refused with one log line, /healthz still said "ok" and no metric moved, so an operator who
 * disabled a device in the same edit believed it disabled. Now the refusal is shown until a valid
 * file is taken: /healthz degraded (503) naming the problem, wanxiang_registry_invalid 1.
 */
describe('a registry file refused while the platform runs is shown, not only logged', () => {
  let test: TestPlatform;
  let path: string;
  const victim = 'air-dongmen';
  const health = async () => {
    const response = await fetch(`${test.endpoints.httpUrl}/healthz`);
    return { status: response.status, body: (await response.json()) as Health };
  };
  const gauge = async () => /^wanxiang_registry_invalid (\d+)$/m.exec(await (await fetch(`${test.endpoints.httpUrl}/metrics`)).text())?.[1];
  const victimLogin = () => login(test.endpoints.mqttUrl, victim, simulatedDeviceSecret(test.config.fleetKey, victim));

  beforeAll(async () => {
    test = await startTestPlatform();
    path = test.config.registryFile!;
  });
  afterAll(async () => {
    await test?.close();
  });

  /** The registry with the victim disabled, and (to make it invalid) another device moved out of the district. */
  function edited(valid: string, options: { invalidLat: boolean }): string {
    const file = JSON.parse(valid) as RegistryFile;
    const devices = file.devices.map((device) => {
      if (device.id === victim) return { ...device, disabled: true };
      if (options.invalidLat && device.id === 'air-nanhu') return { ...device, lat: 23.9 };
      return device;
    });
    return JSON.stringify({ ...file, devices }, null, 2);
  }

  it('is degraded and counted while the file is refused, and ok again with the disable in force once it is valid', async () => {
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await gauge()).toBe('0');
    const valid = await readFile(path, 'utf8');

    // The hand edit: the disable and, in the same save, a latitude outside the district (22.4-22.7).
    await writeFile(path, edited(valid, { invalidLat: true }));
    await expect.poll(async () => (await health()).status, { timeout: 10_000 }).toBe(503);
    const refused = await health();
    expect(refused.body.status).toBe('degraded');
    expect(refused.body.registry?.invalid).toMatch(/^WX_ERR_REGISTRY_INVALID: the registry .*devices\.json: devices\.\d+\.lat: /);
    expect(refused.body.problems).toEqual([{ code: 'WX_ERR_REGISTRY_INVALID', message: expect.stringContaining('the previous registry stays in force') }]);
    expect(refused.body.problems?.[0]?.message).toContain(refused.body.registry!.invalid);
    expect(await gauge()).toBe('1');
    // What the operator is warned of: the disable in that file is not in force.
    expect(test.platform.registry.device(victim)?.disabled).toBeUndefined();
    expect(await victimLogin()).toBe(0);

    // A second bad edit: the last refused file's error is shown, since the first refusal.
    await writeFile(path, `${valid.slice(0, 200)}\n`);
    await expect.poll(async () => (await health()).body.registry?.invalid, { timeout: 10_000 }).toMatch(/^WX_ERR_REGISTRY_INVALID: .* is not valid JSON at line \d+, column \d+/);
    expect((await health()).body.registry?.since).toBe(refused.body.registry?.since);
    expect(await gauge()).toBe('1');

    // The edit done right: the disable is taken, the refusal cleared.
    await writeFile(path, edited(valid, { invalidLat: false }));
    await expect.poll(async () => (await health()).status, { timeout: 10_000 }).toBe(200);
    const fixed = await health();
    expect(fixed.body.status).toBe('ok');
    expect(fixed.body.problems).toBeUndefined();
    expect(fixed.body.registry).toBeUndefined();
    expect(await gauge()).toBe('0');
    expect(test.platform.registry.device(victim)?.disabled).toBe(true);
    expect(await victimLogin()).not.toBe(0);
    expect(await test.metric('wanxiang_auth_failures_total', { code: 'WX_ERR_DEVICE_DISABLED' })).toBe(1);
  });
});
