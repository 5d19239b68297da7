import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackTrace } from './run-cli.ts';
import { spawnStart } from './spawn-start.ts';

describe('Ctrl-C stops the platform in order and quietly (issue 21, "Stopping")', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('SIGINT to the whole process group, as a terminal sends it: exit 0, no "rollup failed", no stack trace, influxd stopped by us', async () => {
    const work = await mkdtemp(join(tmpdir(), 'wanxiang-stop-'));
    dirs.push(work);
    // Its own group, as a shell's foreground job: the signal goes to every process in it.
    const started = await spawnStart(['--data-dir', join(work, 'data'), '--mqtt-port', '0', '--ws-port', '-1', '--http-port', '0'], { INFLUX_URL: '', WX_LOG_LEVEL: 'info' }, { detached: true });
    const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
    process.kill(-started.child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    const output = started.output();
    expect(output).not.toMatch(/rollup failed|rollup run failed/);
    expect(output).not.toMatch(stackTrace);
  });
});
