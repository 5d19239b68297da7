import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { replaceFileDurably } from '../durable-file.ts';
import { z } from 'zod';
import { WanxiangError } from '../errors.ts';
import { hashDeviceSecret } from '../registry/secrets.ts';
import { formatZodIssues } from '../zod-issues.ts';
import { personRoles } from '../person-names.ts';

/** A person's login name as actions record it: `zhang.wei`, `li-na2`. */
export const personNameSchema = z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, dot, dash or underscore, starting with a letter, at most 64');
export const personRoleSchema = z.enum(personRoles);
export { reservedPersonNames } from '../person-names.ts';
export type PersonRole = z.infer<typeof personRoleSchema>;

const userSchema = z.strictObject({
  name: personNameSchema,
  role: personRoleSchema,
  /** The department whose events a `department` user sees (seeds/departments.json id). */
  department: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(),
  /**
   * `sha256$...` of a random token of 32+ characters, as the device registry keeps device secrets:
   * exactly a 32-byte digest in base64 (43 characters and `=`). Any 44 characters were taken: a hand
   * edit that decoded to 33 bytes loaded, and every bearer token and session then answered 500
   * (red team 11: the digests are compared with timingSafeEqual, which throws on unequal lengths).
   */
  secretHash: z.string().regex(/^sha256\$[A-Za-z0-9+/]{43}=$/, 'sha256$ and the base64 of a 32-byte SHA-256 digest (43 characters and =)'),
  disabled: z.boolean().default(false),
  /**
   * When the person was last enabled (epoch ms): session cookies signed in before it are refused.
   * A cookie outlives a disable (it is stateless, refused only while its token is); without this,
   * enabling the person again revived every screen signed in before the disable.
   */
  sessionsFrom: z.number().int().nonnegative().optional(),
}).refine((user) => (user.role === 'department') === (user.department !== undefined), 'a department user names its department, and only a department user does');

export const usersFileSchema = z.strictObject({ version: z.literal(1), users: z.array(userSchema) })
  .refine((file) => new Set(file.users.map((user) => user.name)).size === file.users.length, 'user names are unique');

export type UsersFile = z.infer<typeof usersFileSchema>;
export type UserRecord = UsersFile['users'][number];

export const emptyUsersFile: UsersFile = { version: 1, users: [] };

/** The users file, or an empty one when there is none yet; WX_ERR_SEED_INVALID naming every problem when it is malformed. */
export async function loadUsersFile(path: string): Promise<UsersFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyUsersFile;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WanxiangError('WX_ERR_SEED_INVALID', `${path}: not JSON`);
  }
  const parsed = usersFileSchema.safeParse(json);
  if (!parsed.success) throw new WanxiangError('WX_ERR_SEED_INVALID', `${path}: ${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** Written atomically and readable by the platform's user only (it holds hashes of live credentials). */
export async function saveUsersFile(path: string, file: UsersFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await replaceFileDurably(path, `${JSON.stringify(file, null, 2)}\n`);
}

/** A new random token (256 bits, base64url), shown once; the file keeps its hash. */
export const newUserToken = () => randomBytes(32).toString('base64url');

export function addUser(file: UsersFile, draft: { name: string; role: PersonRole; department?: string }): { file: UsersFile; token: string } {
  if (file.users.some((user) => user.name === draft.name)) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `user ${draft.name} exists already (rotate gives a new token)`);
  const token = newUserToken();
  const next = usersFileSchema.safeParse({ ...file, users: [...file.users, { ...draft, secretHash: hashDeviceSecret(token), disabled: false }] });
  if (!next.success) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', formatZodIssues(next.error.issues));
  return { file: next.data, token };
}

function requireUser(file: UsersFile, name: string): UserRecord {
  const user = file.users.find((candidate) => candidate.name === name);
  if (!user) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `no user ${name}`);
  return user;
}

export function rotateUser(file: UsersFile, name: string): { file: UsersFile; token: string } {
  requireUser(file, name);
  const token = newUserToken();
  return { file: { ...file, users: file.users.map((user) => (user.name === name ? { ...user, secretHash: hashDeviceSecret(token) } : user)) }, token };
}

export function setUserDisabled(file: UsersFile, name: string, disabled: boolean, nowMs = Date.now()): UsersFile {
  const current = requireUser(file, name);
  // Only a real re-enable starts sessions afresh: `enable` on an enabled person ends no screen.
  const reenabled = !disabled && current.disabled;
  return { ...file, users: file.users.map((user) => (user.name === name ? { ...user, disabled, ...(reenabled ? { sessionsFrom: nowMs } : {}) } : user)) };
}
