import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Red team 11: starts at the same moment on one data folder. The lock was written in place, so a
 * start that read it between its creation and its write took it for a dead run's and removed it,
 * and a lock renamed aside to be judged could not always be put back: two or three runs held one
 * folder at once, as many processes here did.
 */
describe('starts racing for one data folder', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-lock-race-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('let exactly one of them hold it, round after round', async () => {
    const takers = Array.from({ length: 8 }, () => spawn(process.execPath, ['--import', 'tsx', 'tests/cli/lock-taker.ts'], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const said = takers.map((taker) => createInterface({ input: taker.stdout! }));
    const nextLines = () => Promise.all(said.map((lines) => new Promise<string>((resolve) => lines.once('line', resolve))));
    try {
      await nextLines(); // each is ready
      for (let round = 0; round < 150; round += 1) {
        const folder = join(work, `round-${round}`);
        const answers = nextLines();
        for (const taker of takers) taker.stdin!.write(`go ${folder}\n`);
        const lines = await answers;
        expect(lines.filter((line) => line === 'got'), `round ${round}: ${lines.join(', ')}`).toHaveLength(1);
        expect(lines.filter((line) => line !== 'got').every((line) => line === 'refused WX_ERR_DATA_DIR_LOCKED'), lines.join(', ')).toBe(true);
      }
    } finally {
      for (const taker of takers) taker.stdin!.end();
      await Promise.all(takers.map((taker) => new Promise((resolve) => (taker.exitCode !== null ? resolve(null) : taker.once('exit', resolve)))));
    }
  }, 120_000);
});
