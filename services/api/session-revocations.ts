import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * Session cookies signed out before they ran out (issue 18 item 12): a cookie is stateless, so
 * signing out keeps its digest (never the cookie) until its own expiry, in a file of the data
 * folder so that a restart does not bring it back. Each node of a cluster keeps its own file.
 */
export interface SessionRevocations {
  load(): Promise<void>;
  revoke(value: string, expiresAtMs: number): Promise<void>;
  isRevoked(value: string): boolean;
}

const fileSchema = z.strictObject({ version: z.literal(1), revoked: z.record(z.string().regex(/^[0-9a-f]{64}$/), z.number()) });
const digest = (value: string) => createHash('sha256').update(value).digest('hex');

export function createSessionRevocations(options: { file?: string; now?: () => number }): SessionRevocations {
  const now = options.now ?? Date.now;
  let revoked = new Map<string, number>();
  const prune = () => {
    const at = now();
    for (const [key, expiresAtMs] of revoked) if (expiresAtMs <= at) revoked.delete(key);
  };
  const save = async () => {
    if (!options.file) return;
    await mkdir(dirname(options.file), { recursive: true, mode: 0o700 });
    const temporary = `${options.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ version: 1, revoked: Object.fromEntries(revoked) }), { mode: 0o600 });
    await rename(temporary, options.file);
  };
  return {
    async load() {
      if (!options.file) return;
      const text = await readFile(options.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (text === null) return;
      revoked = new Map(Object.entries(fileSchema.parse(JSON.parse(text)).revoked));
      prune();
    },
    async revoke(value, expiresAtMs) {
      prune();
      revoked.set(digest(value), expiresAtMs);
      await save();
    },
    isRevoked: (value) => revoked.size > 0 && revoked.has(digest(value)),
  };
}
