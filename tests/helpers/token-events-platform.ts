import type { ConfigInput } from '../../services/config.ts';
import { startTestPlatform, type TestPlatform } from './test-platform.ts';

type Tokens = NonNullable<NonNullable<ConfigInput['http']>['tokens']>;

/**
 * A platform that answers no read without a credential (read access `token`), with these tokens.
 * Its events are swept every 10 minutes, never within a test: a test passes due times by moving
 * `now` and calling sweep() itself.
 */
export function startTokenEventsPlatform(tokens: Tokens, options: { now?: () => number } = {}): Promise<TestPlatform> {
  return startTestPlatform({ events: { sweepIntervalMs: 600_000 }, http: { readAccess: 'token', tokens } }, options);
}
