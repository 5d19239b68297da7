import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRuntime, runtimePath } from '../../services/runtime-file.ts';
import { startTestPlatform } from '../helpers/test-platform.ts';
import { runCli } from '../cli/run-cli.ts';

/**
 * runtime.json tells `review`, `backfill --admin-token-file`, `report` and `rollup` where the
 * platform answers, and they send it an officer's or an admin's token. A platform killed with -9
 * leaves the file behind; once the kernel gives its pid to another process, the file must not pass
 * for a running platform's: whatever listens on the dead platform's port would be sent the token.
 */
describe('red team: runtime.json of a killed platform whose pid another process now has', () => {
  let work: string;
  let bystander: ChildProcess;
  let squatter: Server;
  const heard: Array<string | undefined> = [];
  let dataDir: string;
  let runningRead: Awaited<ReturnType<typeof readRuntime>>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-redteam-runtime-'));
    // An unrelated live process: the pid the dead platform's file names now belongs to it.
    bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
    await once(bystander, 'spawn');
    // A real platform writes its runtime.json; kill -9 would leave it where close() removes it, so it is put back as it was.
    const test = await startTestPlatform();
    // The file a live platform writes reads back as a running platform's (its identity, PID namespace and all).
    runningRead = await readRuntime(test.config.dataDir);
    const left = JSON.parse(await readFile(runtimePath(test.config.dataDir), 'utf8')) as { pid: number; httpUrl: string };
    await test.close();
    dataDir = join(work, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    await writeFile(runtimePath(dataDir), JSON.stringify({ ...left, pid: bystander.pid }), { mode: 0o600 });
    // Another program now listens where the dead platform's API did.
    squatter = createServer((request, response) => {
      heard.push(request.headers.authorization);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"m-1"}');
    });
    squatter.listen(Number(new URL(left.httpUrl).port), '127.0.0.1');
    await once(squatter, 'listening');
    await writeFile(join(work, 'officer-token'), 'officer-token-0123456789abcdef\n', { mode: 0o600 });
  });
  afterAll(async () => {
    bystander?.kill('SIGKILL');
    squatter?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('the file of a platform that runs reads back as running', () => {
    expect(runningRead.why).toBeUndefined();
    expect(runningRead.runtime?.pid).toBe(process.pid);
  });

  it('sends no token to what listens on the dead platform\'s port, and says that no platform runs there', async () => {
    const run = await runCli(['review', 'mark', '--device', 'air-sungang', '--from', '2025-08-04T00:00', '--to', '2025-08-04T01:00', '--reason', 'maintenance', '--token-file', join(work, 'officer-token'), '--data-dir', dataDir]);
    expect(heard).toEqual([]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('WX_ERR_PLATFORM_NOT_FOUND');
    expect(run.stderr).toMatch(/no longer running/);
  });
});
