import { createHash, timingSafeEqual } from 'node:crypto';
import type { FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { createTurns } from '../one-at-a-time.ts';
import { watchRegistryFile } from '../registry/registry-file.ts';
import { loadUsersFile, reservedPersonNames, type PersonRole, type UsersFile } from './users-file.ts';

/** Who a credential is: the name every action records, the role that decides what it may do. */
export interface Person {
  readonly role: PersonRole;
  /** `zhang.wei`; a token configured without a name is recorded as its role (`operator`). */
  readonly name: string;
  /** The department a `department` credential sees (seeds/departments.json id). */
  readonly department?: string;
}

export interface ConfiguredToken {
  readonly role: PersonRole;
  readonly token: string;
  readonly name?: string;
}

export interface PeopleOptions {
  /** WX_API_TOKENS: `role:TOKEN` (anonymous, recorded as the role) or `role:name:TOKEN`; for `department`, the name is the department id. */
  readonly tokens: readonly ConfiguredToken[];
  /** The users file `wanxiang users` manages; watched, so a disable or rotate holds at once. */
  readonly usersFile?: string;
  readonly log?: Logger;
}

export interface People {
  /** The person a bearer token stands for, or null. Compared in constant time over digests, as the file is now. */
  resolve(token: string): Person | null;
  /**
   * The person of a token's SHA-256 digest, or null: who signed a session cookie in (the cookie's
   * MAC names the digest, services/api/session-cookie.ts), as the tokens and the file are now.
   */
  byDigest(digest: Buffer): Person | null;
  /** The SHA-256 digests of the users file's enabled people now: they may sign a screen in (session cookies). */
  fileDigests(): readonly Buffer[];
  /** When the person of a token digest was last enabled (epoch ms), if ever: their older sessions are refused. */
  sessionsFrom(digest: Buffer): number | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
  /** Reads the users file again (the watcher does it by itself; tests await it). */
  reload(): Promise<void>;
}

interface Known {
  readonly digest: Buffer;
  readonly person: Person;
  readonly sessionsFrom?: number;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The file's people who may sign in. One whose name a configured token is recorded under is left
 * out (red team 5: `off.one` in the file as an operator read as the configured officer `off.one`
 * on every event it touched), named with its code, until one of the two is renamed.
 */
function fromFile(file: UsersFile, takenNames: ReadonlySet<string>, log: PeopleOptions['log']): Known[] {
  const clashing = file.users.filter((user) => !user.disabled && takenNames.has(user.name));
  for (const user of clashing) log?.error({ code: 'WX_ERR_PERSON_NAME_TAKEN', name: user.name }, `the users file's ${user.name} has the name of a configured token, a role or the platform's own (${[...reservedPersonNames].join(', ')}): not let in until renamed`);
  // The file keeps `sha256$<base64>` of each token: the same digest the configured tokens are compared by.
  return file.users.filter((user) => !user.disabled && !takenNames.has(user.name)).map((user) => ({
    digest: Buffer.from(user.secretHash.slice('sha256$'.length), 'base64'),
    person: { role: user.role, name: user.name, ...(user.department ? { department: user.department } : {}) },
    ...(user.sessionsFrom === undefined ? {} : { sessionsFrom: user.sessionsFrom }),
  }));
}

/**
 * Credentials → people (issue 23, item 1). auth.ts asks it who a bearer token is; routes record
 * the name. Every known digest is compared whatever the outcome, so the time taken says nothing
 * about which one matched.
 */
export function createPeople(options: PeopleOptions): People {
  const configured: Known[] = options.tokens.map(({ role, token, name }) => ({
    digest: digest(token),
    person: role === 'department' ? { role, name: name ?? role, department: name ?? '' } : { role, name: name ?? role },
  }));
  const configuredNames = new Set([...configured.map((known) => known.person.name), ...reservedPersonNames]);
  let users: Known[] = [];
  let watcher: FSWatcher | undefined;
  const inTurn = createTurns();

  const people: People = {
    resolve: (token) => people.byDigest(digest(token)),
    byDigest(presented) {
      let found: Person | null = null;
      // A digest of another length matches nothing (timingSafeEqual throws on it: one such line of
      // the users file answered 500 to every bearer token, red team 11).
      if (presented.length !== 32) return null;
      for (const known of [...configured, ...users]) if (known.digest.length === 32 && timingSafeEqual(known.digest, presented) && !found) found = known.person;
      return found;
    },
    fileDigests: () => users.filter((known) => known.digest.length === 32).map((known) => known.digest),
    sessionsFrom: (presented) => users.find((known) => known.digest.equals(presented))?.sessionsFrom,
    // One read at a time, in the order the changes came: an earlier read ending last put back the
    // people of the file before a disable.
    reload: () => inTurn(async () => {
      if (!options.usersFile) return;
      try {
        users = fromFile(await loadUsersFile(options.usersFile), configuredNames, options.log);
      } catch (error) {
        // Refused, nobody of the file is let in until it is fixed: keeping the previous people kept
        // a person an admin had just disabled by hand, with a typo in the same edit.
        users = [];
        throw error;
      }
    }),
    async start() {
      await people.reload();
      if (!options.usersFile) return;
      await mkdir(dirname(options.usersFile), { recursive: true, mode: 0o700 });
      watcher = watchRegistryFile(options.usersFile, () => {
        // A malformed file, like a removed one, leaves none (the configured tokens still work).
        people.reload().catch((error: unknown) => options.log?.error({ err: error }, 'users file refused; none of its people are let in until it is fixed'));
      });
    },
    async close() {
      watcher?.close();
      watcher = undefined;
    },
  };
  return people;
}
