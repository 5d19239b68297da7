import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { replaceFileDurably } from '../durable-file.ts';
import { z } from 'zod';
import { createTurns } from '../one-at-a-time.ts';

/**
 * Session cookies signed out before they ran out (issue 18 item 12): a cookie is stateless, so
 * signing out keeps its digest (never the cookie) until its own expiry, in a file of the data
 * folder so that a restart does not bring it back. Each node of a cluster keeps its own file.
 *
 * A token signs a new cookie every second, so one holder of a reader token, signing in and out
 * in a loop, made the file grow by a cookie a second for the sessions' whole lifetime, rewritten
 * whole at each sign-out (red team 3). Past `perTokenLimit` cookies of one token, its cookies
 * give way to one mark: every cookie of that token expiring no later than the newest signed out
 * is refused, that is every session of it signed in until then (its other screens sign in again).
 */
export interface SessionRevocations {
  load(): Promise<void>;
  /**
   * `value`: the cookie's canonical spelling (SessionCookies.canonical), never the text as sent: a
   * cookie spelled differently (`00E.S.M`) is the same session and must meet the same revocation.
   * `signer`: the digest of the token that signed the cookie (SessionCookies.signer).
   */
  revoke(value: string, expiresAtMs: number, signer: Buffer): Promise<void>;
  /** `value`: the canonical spelling, as for revoke. */
  isRevoked(value: string, signer: Buffer, expiresAtMs: number): boolean;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const fileSchema = z.strictObject({
  version: z.literal(1),
  revoked: z.record(hex64, z.number()),
  /** Whose each revoked cookie is (the key of its token); files of earlier versions have none. */
  owners: z.record(hex64, hex64).optional(),
  /** Per token key: its cookies expiring at or before this (epoch ms) are all revoked. */
  sealed: z.record(hex64, z.number()).optional(),
});
const digest = (value: string) => createHash('sha256').update(value).digest('hex');
/** A token's key in the file: a digest of its digest, so the file holds nothing a credential is compared with. */
const tokenKey = (signer: Buffer) => createHash('sha256').update('wanxiang/session-revocations/v1').update(signer).digest('hex');

export function createSessionRevocations(options: { file?: string; now?: () => number; perTokenLimit?: number }): SessionRevocations {
  const now = options.now ?? Date.now;
  const perTokenLimit = options.perTokenLimit ?? 100;
  let revoked = new Map<string, number>();
  let owners = new Map<string, string>();
  let sealed = new Map<string, number>();
  // One save at a time: sign-outs at once wrote the same temporary file and renamed it twice (500s).
  const inTurn = createTurns();
  const prune = () => {
    const at = now();
    for (const [key, expiresAtMs] of revoked) {
      if (expiresAtMs > at) continue;
      revoked.delete(key);
      owners.delete(key);
    }
    for (const [key, expiresAtMs] of sealed) if (expiresAtMs <= at) sealed.delete(key);
  };
  const seal = (owner: string) => {
    const own = [...owners].filter(([, candidate]) => candidate === owner).map(([key]) => key);
    if (own.length <= perTokenLimit) return;
    let newest = sealed.get(owner) ?? 0;
    for (const key of own) {
      newest = Math.max(newest, revoked.get(key) ?? 0);
      revoked.delete(key);
      owners.delete(key);
    }
    sealed.set(owner, newest);
  };
  const save = async () => {
    if (!options.file) return;
    await mkdir(dirname(options.file), { recursive: true, mode: 0o700 });
    const file = { version: 1, revoked: Object.fromEntries(revoked), owners: Object.fromEntries(owners), sealed: Object.fromEntries(sealed) };
    await replaceFileDurably(options.file, JSON.stringify(file));
  };
  return {
    async load() {
      if (!options.file) return;
      const text = await readFile(options.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (text === null) return;
      const file = fileSchema.parse(JSON.parse(text));
      revoked = new Map(Object.entries(file.revoked));
      owners = new Map(Object.entries(file.owners ?? {}));
      sealed = new Map(Object.entries(file.sealed ?? {}));
      prune();
    },
    async revoke(value, expiresAtMs, signer) {
      prune();
      const key = digest(value);
      const owner = tokenKey(signer);
      revoked.set(key, expiresAtMs);
      owners.set(key, owner);
      seal(owner);
      await inTurn(save);
    },
    isRevoked: (value, signer, expiresAtMs) => (revoked.size > 0 && revoked.has(digest(value))) || (sealed.size > 0 && expiresAtMs <= (sealed.get(tokenKey(signer)) ?? 0)),
  };
}
