import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, emptyUsersFile, loadUsersFile, saveUsersFile } from '../../services/people/users-file.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { rawRequest } from './raw-http.ts';

const tokens = { admin: 'admin-token-0123456789abcdef', reader: 'reader-token-0123456789abcdef' };

/**
 * Red team 11: the users file took any 44 characters after `sha256$` as a token's hash. A hand edit
 * that put a letter where the `=` belongs (44 characters, 33 bytes decoded) loaded, and from then on
 * every bearer token, the configured admin's too, answered 500 WX_ERR_INTERNAL: the digests are
 * compared with timingSafeEqual, which throws on buffers of unequal length. Such a file is now
 * refused (its people let in no more until it is fixed, as for any refused file); configured tokens read on.
 */
describe('red team: a users file hash of the wrong length', () => {
  let test: TestPlatform;
  let url: string;
  let dir: string;
  let usersFile: string;
  let personToken: string;
  const status = async (token: string) => (await rawRequest(url, { target: '/api/v1/people/me', headers: { authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-users-hash-'));
    usersFile = join(dir, 'users.json');
    const added = addUser(emptyUsersFile, { name: 'li.na', role: 'operator' });
    personToken = added.token;
    await saveUsersFile(usersFile, added.file);
    test = await startTestPlatform({ http: { usersFile, tokens: [{ role: 'admin', token: tokens.admin }, { role: 'reader', token: tokens.reader }] } });
    url = test.endpoints.httpUrl;
  });

  afterAll(async () => {
    await test?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses the file, and every configured token still reads', async () => {
    expect(await status(personToken)).toBe(200);
    const file = await loadUsersFile(usersFile);
    const user = file.users[0]!;
    // The `=` of the base64 padding replaced by a letter: 44 characters as before, 33 bytes decoded.
    const hand = { ...file, users: [{ ...user, secretHash: `${user.secretHash.slice(0, -1)}A` }, { name: 'wang.fang', role: 'reader', secretHash: `sha256$${'B'.repeat(44)}`, disabled: false }] };
    await writeFile(usersFile, JSON.stringify(hand), { mode: 0o600 });
    await expect(loadUsersFile(usersFile)).rejects.toMatchObject({ code: 'WX_ERR_SEED_INVALID' });
    // The watcher takes the change: the file's person is refused once it has (polled, never a 500).
    for (let answer = 200; answer !== 401; await new Promise((resolve) => setTimeout(resolve, 50))) {
      answer = await status(personToken);
      expect(answer).not.toBe(500);
    }
    expect(await status(tokens.admin)).toBe(200);
    expect(await status(tokens.reader)).toBe(200);
    expect(await status('x'.repeat(40))).toBe(401);
    // A screen signs in and reads with a configured token, as before the edit.
    const signIn = await rawRequest(url, { method: 'POST', target: '/api/v1/session', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokens.reader }) });
    expect(signIn.status).toBe(204);
    const cookie = `wx_session=${/^wx_session=([^;]*)/.exec(signIn.headers['set-cookie'] ?? '')![1]!}`;
    expect((await rawRequest(url, { target: '/api/v1/people/me', headers: { cookie } })).status).toBe(200);
  });
});
