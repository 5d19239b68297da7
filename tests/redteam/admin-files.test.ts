import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, emptyUsersFile, saveUsersFile, type UsersFile } from '../../services/people/users-file.ts';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { runWanxiang } from '../cluster/servers.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

/**
 * `wanxiang users` (services/cli/users.ts) run by two operators, or a provisioning script, at
 * once, against a running platform: every change the commands report done is in the file, and a
 * person a command disabled stays disabled (their token refused) whatever ran beside it.
 */
describe('red team: the users file under concurrent commands', () => {
  let dir: string;
  let usersFile: string;
  let env: NodeJS.ProcessEnv;
  let test: TestPlatform;
  let victimToken: string;
  const users = async () => (JSON.parse(await readFile(usersFile, 'utf8')) as UsersFile).users;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-users-'));
    usersFile = join(dir, 'users.json');
    env = { WX_USERS_FILE: usersFile };
    const added = addUser(emptyUsersFile, { name: 'wang.fang', role: 'reader' });
    victimToken = added.token;
    await saveUsersFile(usersFile, added.file);
    test = await startTestPlatform({ http: { readAccess: 'token', usersFile } });
  }, 120_000);
  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every add and the disable of nine commands run at once; the disabled token is refused', async () => {
    const live = () => fetch(`${test.endpoints.httpUrl}/api/v1/live`, { headers: { authorization: `Bearer ${victimToken}` } }).then((answer) => answer.status);
    expect(await live()).toBe(200);
    const names = Array.from({ length: 8 }, (_, n) => `duty.${n}`);
    const runs = await Promise.all([
      runWanxiang(['users', 'disable', '--name', 'wang.fang'], env),
      ...names.map((name) => runWanxiang(['users', 'add', '--name', name, '--role', 'reader'], env)),
    ]);
    expect(runs.map((run) => `${run.code} ${run.stderr.slice(0, 200)}`)).toEqual(runs.map(() => '0 '));
    const kept = await users();
    // Each token a command printed ("shown once") is one the file knows.
    expect(kept.map((user) => user.name).sort()).toEqual(['wang.fang', ...names].sort());
    expect(kept.find((user) => user.name === 'wang.fang')?.disabled).toBe(true);
    await expect.poll(live, { timeout: 20_000 }).toBe(401);
    expect((await stat(usersFile)).mode & 0o077).toBe(0);
  }, 120_000);

  it('takes over the lock of a command that died mid-change, and leaves none behind', async () => {
    // A pid no process has (above the kernel's pid_max of 2^22).
    await writeFile(`${usersFile}.lock`, '4194305');
    const run = await runWanxiang(['users', 'add', '--name', 'after.crash', '--role', 'reader'], env);
    expect(`${run.code} ${run.stderr}`).toBe('0 ');
    expect((await users()).map((user) => user.name)).toContain('after.crash');
    await expect(stat(`${usersFile}.lock`)).rejects.toThrow(/ENOENT/);
  }, 60_000);
});

/** `wanxiang devices` changes run at once on one registry (a provisioning script, an operator disabling a device meanwhile). */
describe('red team: the device registry under concurrent commands', () => {
  let dir: string;
  let registry: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-devices-'));
    registry = join(dir, 'devices.json');
    await copyFile('seeds/devices.json', registry);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // Three rounds: a lock taken over as stale while its third holder was live lost an add only now and then.
  it.each([0, 1, 2])('keeps every add and the disable of seven commands run at once (round %i)', async (round) => {
    const ids = Array.from({ length: 6 }, (_, n) => `parking-redteam-${round}-${n}`);
    const add = (id: string) => ['devices', 'add', '--id', id, '--family', 'parking', '--site', id, '--site-name', id, '--street', 'cuizhu', '--lat', '22.55', '--lon', '114.12', '--attributes', '{"capacity":100,"lotKind":"hospital"}', '--registry', registry];
    const runs = await Promise.all([
      runWanxiang(['devices', 'disable', '--id', 'air-guiyuan', '--registry', registry]),
      ...ids.map((id) => runWanxiang(add(id))),
    ]);
    expect(runs.map((run) => `${run.code} ${run.stderr.slice(0, 200)}`)).toEqual(runs.map(() => '0 '));
    const file = JSON.parse(await readFile(registry, 'utf8')) as RegistryFile;
    for (const id of ids) expect(file.devices.map((device) => device.id), id).toContain(id);
    expect(file.devices.find((device) => device.id === 'air-guiyuan')?.disabled).toBe(true);
  }, 120_000);
});
