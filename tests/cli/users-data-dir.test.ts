import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

/**
 * `wanxiang users` finds the data folder as every other command does (docs/data-folder.md): a
 * platform started with `--data-dir DIR` reads DIR/users.json, so the person added for it must
 * land there, not in ./data of wherever the command ran.
 */
describe('users --data-dir', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-users-dir-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('adds the first person to the users.json of the data folder it names (made if missing, as before any start) and lists it', async () => {
    const dataDir = join(work, 'data');
    const env = { WX_DATA_DIR: join(work, 'elsewhere'), WX_USERS_FILE: '' };
    const added = await runCli(['users', 'add', '--name', 'li.na', '--role', 'officer', '--data-dir', dataDir], env);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dataDir, 'users.json'), 'utf8'))).toMatchObject({ users: [{ name: 'li.na', role: 'officer' }] });
    await expect(access(join(work, 'elsewhere'))).rejects.toThrow();
    const listed = await runCli(['users', 'list', '--data-dir', dataDir], env);
    expect(listed.stdout).toBe('li.na\tofficer\n');
  });

  it('says in its help which roles a person may have', async () => {
    const help = await runCli(['users', '--help']);
    expect(help.stdout).toMatch(/--role ROLE .*reader, department, officer, operator, admin/);
  });
});
