import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOutputTarget } from '../../services/cli/output-file.ts';
import { isWanxiangError } from '../../services/errors.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { createRecordingWriter, loadRecording } from '../../simulators/recording.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { runCli, stackTrace } from './run-cli.ts';

/**
 * `record --out` and `report --out` checked the name, then wrote it: with --force the write opened
 * the name ('w'), following a symbolic link at it into whatever file it points at (a planted
 * `report.md → ~/.ssh/authorized_keys`, or one that appeared after the check). The write itself now
 * refuses an existing name (O_EXCL) and, with --force, replaces the name (a file written beside it,
 * renamed over it), never the file a link there points at.
 */
describe('an output file is written at its name, never through a link there', () => {
  let live: TestPlatform;
  let work: string;
  let outside: string;
  const precious = 'a file outside, not to be written\n';

  beforeAll(async () => {
    live = await startTestPlatform();
    work = await mkdtemp(join(tmpdir(), 'wanxiang-output-no-follow-'));
    outside = join(work, 'precious.txt');
  });
  afterAll(async () => {
    await live?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** A fresh link at `name` to the precious file outside (written anew). */
  const planted = async (name: string) => {
    await writeFile(outside, precious);
    const link = join(work, name);
    await symlink(outside, link);
    return link;
  };

  it('report --force replaces a link at --out with the report, and leaves the file it pointed at alone', async () => {
    const link = await planted('report.md');
    const run = await runCli(['report', '--period', '2025', '--api', live.endpoints.httpUrl, '--out', link, '--force', '--data-dir', join(work, 'tool')]);
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(outside, 'utf8')).toBe(precious);
    expect((await lstat(link)).isFile()).toBe(true);
    expect(await readFile(link, 'utf8')).toMatch(/^# /);
  });

  it('record --force replaces a link at --out with the recording, and leaves the file it pointed at alone', async () => {
    const link = await planted('recording.ndjson.gz');
    const run = await runCli(['record', '--url', live.endpoints.mqttUrl, '--out', link, '--force', '--duration', '1', '--data-dir', join(work, 'tool')], { WX_OBSERVER_PASSWORD: simulatedDeviceSecret(live.config.fleetKey, 'observer') });
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(outside, 'utf8')).toBe(precious);
    expect((await lstat(link)).isFile()).toBe(true);
    expect((await loadRecording(link)).header.format).toBe('wanxiang-recording');
  });

  it('the recording writer, told to replace, replaces a link planted after the check, not the file it points at', async () => {
    const link = await planted('raced.ndjson.gz');
    const writer = createRecordingWriter(link, { startedAt: 0, source: 'test' }, { replace: true });
    await writer.close();
    expect(await readFile(outside, 'utf8')).toBe(precious);
    expect((await lstat(link)).isFile()).toBe(true);
    expect((await loadRecording(link)).header.source).toBe('test');
  });

  it('the recording writer, not told to replace, refuses a link to nowhere planted after the check, creating nothing through it', async () => {
    const nowhere = join(work, 'not-yet.txt');
    const link = join(work, 'dangling.ndjson.gz');
    await symlink(nowhere, link);
    let refused: unknown;
    try {
      createRecordingWriter(link, { startedAt: 0, source: 'test' }, { replace: false });
    } catch (error) {
      refused = error;
    }
    expect(isWanxiangError(refused) && refused.code).toBe('WX_ERR_FILE');
    expect((refused as Error).message).toContain('the file exists; give --force to replace it, or another --out');
    await expect(lstat(nowhere)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('the report\'s write, not told to replace, refuses a file or a link that appeared after the check, with the check\'s code and message', async () => {
    const existing = join(work, 'appeared.md');
    await writeFile(existing, 'arrived first\n');
    const nowhere = join(work, 'report-not-yet.md');
    const link = join(work, 'dangling.md');
    await symlink(nowhere, link);
    for (const out of [existing, link]) {
      await expect(writeOutputTarget(out, '# report\n', 'the report', { force: false })).rejects.toMatchObject({
        code: 'WX_ERR_FILE', message: `cannot write the report ${out}: the file exists; give --force to replace it, or another --out`,
      });
    }
    expect(await readFile(existing, 'utf8')).toBe('arrived first\n');
    await expect(lstat(nowhere)).rejects.toMatchObject({ code: 'ENOENT' });
    // Told to replace, it replaces the link, and nothing is left beside it.
    await writeOutputTarget(link, '# report\n', 'the report', { force: true });
    expect((await lstat(link)).isFile()).toBe(true);
    await expect(lstat(nowhere)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(work)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
