import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../services/config-env.ts';
import { createPeople } from '../../services/people/people.ts';
import { runWanxiang } from '../cluster/servers.ts';
import { startTestPlatform } from '../helpers/test-platform.ts';

/** `wanxiang users` (issue 23, item 1) as an operator runs it, and WX_API_TOKENS with names. */
describe('named people', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-users-'));
    env = { WX_USERS_FILE: join(dir, 'users.json') };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds, rotates and disables people; the file keeps hashes only, 0600; the tokens resolve to names', async () => {
    const added = await runWanxiang(['users', 'add', '--name', 'zhang.wei', '--role', 'operator'], env);
    expect(added.code).toBe(0);
    const first = /token \(shown once\): (\S+)/.exec(added.stdout)![1]!;
    const department = await runWanxiang(['users', 'add', '--name', 'eco.duty', '--role', 'department', '--department', 'eco-env'], env);
    const ecoToken = /: (\S+)\n$/.exec(department.stdout)![1]!;
    const text = await readFile(env.WX_USERS_FILE!, 'utf8');
    expect(text).not.toContain(first);
    expect((await stat(env.WX_USERS_FILE!)).mode & 0o077).toBe(0);
    const people = createPeople({ tokens: [], usersFile: env.WX_USERS_FILE });
    await people.reload();
    expect(people.resolve(first)).toEqual({ role: 'operator', name: 'zhang.wei' });
    expect(people.resolve(ecoToken)).toEqual({ role: 'department', name: 'eco.duty', department: 'eco-env' });

    const rotated = await runWanxiang(['users', 'rotate', '--name', 'zhang.wei'], env);
    const second = /: (\S+)\n$/.exec(rotated.stdout)![1]!;
    await people.reload();
    expect(people.resolve(first)).toBeNull();
    expect(people.resolve(second)).toMatchObject({ name: 'zhang.wei' });
    expect((await runWanxiang(['users', 'disable', '--name', 'zhang.wei'], env)).code).toBe(0);
    await people.reload();
    expect(people.resolve(second)).toBeNull();
    expect((await runWanxiang(['users', 'list'], env)).stdout).toBe('zhang.wei\toperator\tdisabled\neco.duty\tdepartment\teco-env\n');

    // A hand edit that breaks the file lets none of its people in (it kept the previous ones, so a
    // person disabled in the same edit kept their access); fixed, they are back.
    const good = await readFile(env.WX_USERS_FILE!, 'utf8');
    await writeFile(env.WX_USERS_FILE!, good.replace('"disabled": true', '"disabled": true,,'));
    await expect(people.reload()).rejects.toMatchObject({ code: 'WX_ERR_SEED_INVALID' });
    expect(people.resolve(ecoToken)).toBeNull();
    await writeFile(env.WX_USERS_FILE!, good);
    await people.reload();
    expect(people.resolve(ecoToken)).toMatchObject({ name: 'eco.duty' });
  }, 60_000);

  it('refuses bad arguments with the usage and exit 2', async () => {
    const twice = await runWanxiang(['users', 'add', '--name', 'eco.duty', '--role', 'reader'], env);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('exists already');
    expect((await runWanxiang(['users', 'add', '--name', 'Bad Name', '--role', 'reader'], env)).code).toBe(2);
    // A department the departments file does not name would give its user an empty desk and no reason.
    const nowhere = await runWanxiang(['users', 'add', '--name', 'lost.duty', '--role', 'department', '--department', 'nosuch'], env);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('no department nosuch');
    expect(nowhere.stderr).toContain('eco-env');
    expect((await runWanxiang(['users', 'list'], env)).stdout).not.toContain('lost.duty');
    expect((await runWanxiang(['users', 'add', '--name', 'x.y', '--role', 'department'], env)).code).toBe(2);
    expect((await runWanxiang(['users', 'promote', '--name', 'x'], env)).code).toBe(2);
  }, 60_000);

  it('keeps one name to one person: the file\'s person named as a configured token is not let in, and not added (red team 5)', async () => {
    const officerToken = 'OFFICER-TOKEN-0123456789abcdef';
    const named = { ...env, WX_API_TOKENS: `officer:off.one:${officerToken},admin:ADMIN-TOKEN-0123456789abcdef` };
    for (const name of ['off.one', 'admin']) {
      const refused = await runWanxiang(['users', 'add', '--name', name, '--role', 'operator'], named);
      expect(refused.code, refused.stderr).not.toBe(0);
      expect(refused.stderr).toMatch(/WX_ERR_PERSON_NAME_TAKEN/);
    }
    // Added before the token was configured: the file's off.one cannot sign in, the configured one still can.
    const added = await runWanxiang(['users', 'add', '--name', 'off.one', '--role', 'operator'], env);
    const fileToken = /token \(shown once\): (\S+)/.exec(added.stdout)![1]!;
    const logged: Array<{ code?: string; name?: string }> = [];
    const log = { error: (fields: { code?: string; name?: string }) => void logged.push(fields) } as unknown as NonNullable<Parameters<typeof createPeople>[0]['log']>;
    const people = createPeople({ tokens: configFromEnv(named).http.tokens, usersFile: env.WX_USERS_FILE, log });
    await people.reload();
    expect(people.resolve(fileToken)).toBeNull();
    expect(people.resolve(officerToken)).toEqual({ role: 'officer', name: 'off.one' });
    expect(logged).toContainEqual({ code: 'WX_ERR_PERSON_NAME_TAKEN', name: 'off.one' });
  }, 60_000);

  it('does not start with a department token naming a department the departments file does not hold', async () => {
    await expect(startTestPlatform({ http: { tokens: [{ role: 'department', name: 'nosuch', token: 'nosuch-dept-token-0123456789' }] } }))
      .rejects.toMatchObject({ code: 'WX_ERR_UNKNOWN_DEPARTMENT', message: expect.stringContaining('nosuch') });
  }, 60_000);

  it('reads WX_API_TOKENS with and without names; a token may hold colons', () => {
    const tokens = configFromEnv({ WX_API_TOKENS: 'admin:ADMIN-TOKEN-0123456789,operator:zhang.wei:OPERATOR-TOKEN-0123456789,department:eco-env:DEPT-TOKEN-0123456789,reader:A:B:C-0123456789abcdef' }).http.tokens;
    expect(tokens).toEqual([
      { role: 'admin', token: 'ADMIN-TOKEN-0123456789' },
      { role: 'operator', name: 'zhang.wei', token: 'OPERATOR-TOKEN-0123456789' },
      { role: 'department', name: 'eco-env', token: 'DEPT-TOKEN-0123456789' },
      { role: 'reader', token: 'A:B:C-0123456789abcdef' },
    ]);
    const people = createPeople({ tokens });
    expect(people.resolve('ADMIN-TOKEN-0123456789')).toEqual({ role: 'admin', name: 'admin' });
    expect(people.resolve('DEPT-TOKEN-0123456789')).toEqual({ role: 'department', name: 'eco-env', department: 'eco-env' });
    expect(() => configFromEnv({ WX_API_TOKENS: 'department:DEPT-TOKEN-0123456789' })).toThrow(expect.objectContaining({ code: 'WX_ERR_CONFIG' }));
  });

  it('gives no one the platform\'s name or a role\'s: system, admin, operator... (red team 7)', async () => {
    // A token: `operator:admin:…` would record an operator's acts as "admin"; `system` as the platform's own notes.
    for (const tokens of ['operator:system:OPERATOR-TOKEN-0123456789', 'operator:admin:OPERATOR-TOKEN-0123456789', 'reader:officer:READER-TOKEN-0123456789']) {
      expect(() => configFromEnv({ WX_API_TOKENS: tokens }), tokens).toThrow(expect.objectContaining({ code: 'WX_ERR_CONFIG' }));
    }
    expect(configFromEnv({ WX_API_TOKENS: 'admin:admin:ADMIN-TOKEN-0123456789' }).http.tokens).toEqual([{ role: 'admin', name: 'admin', token: 'ADMIN-TOKEN-0123456789' }]);
    // A person: not added, and a file that has one (written by hand, or before this rule) does not let them in.
    for (const name of ['system', 'admin', 'officer', 'reader']) {
      const refused = await runWanxiang(['users', 'add', '--name', name, '--role', 'operator'], env);
      expect(refused.code, refused.stderr).not.toBe(0);
      expect(refused.stderr).toMatch(/WX_ERR_PERSON_NAME_TAKEN/);
    }
    const added = await runWanxiang(['users', 'add', '--name', 'sys.tem', '--role', 'operator'], env);
    const token = /token \(shown once\): (\S+)/.exec(added.stdout)![1]!;
    await writeFile(env.WX_USERS_FILE!, (await readFile(env.WX_USERS_FILE!, 'utf8')).replace('"sys.tem"', '"system"'));
    const logged: Array<{ code?: string; name?: string }> = [];
    const log = { error: (fields: { code?: string; name?: string }) => void logged.push(fields) } as unknown as NonNullable<Parameters<typeof createPeople>[0]['log']>;
    const people = createPeople({ tokens: [], usersFile: env.WX_USERS_FILE, log });
    await people.reload();
    expect(people.resolve(token)).toBeNull();
    expect(logged).toContainEqual({ code: 'WX_ERR_PERSON_NAME_TAKEN', name: 'system' });
  }, 60_000);
});
