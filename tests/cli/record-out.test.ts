import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWanxiangError } from '../../services/errors.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { createRecordingWriter, loadRecording } from '../../simulators/recording.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { runCli, stackTrace } from './run-cli.ts';

/**
 * Red team 6: `record --out DATA_DIR/users.json` replaced the running platform's users file with a
 * recording, without a question. Now an existing file is replaced only with --force, and a file in
 * a data folder (the configured one, or one a platform holds) is never written.
 */
describe('record --out writes a new file, never one of a data folder', () => {
  let live: TestPlatform;
  let work: string;
  const users = '{"version":1,"people":[]}\n';

  beforeAll(async () => {
    live = await startTestPlatform();
    work = await mkdtemp(join(tmpdir(), 'wanxiang-record-out-'));
    await writeFile(join(live.config.dataDir, 'users.json'), users, { mode: 0o600 });
  });

  afterAll(async () => {
    await live?.close();
    await rm(work, { recursive: true, force: true });
  });

  const record = (out: string, ...more: string[]) =>
    runCli(['record', '--url', live.endpoints.mqttUrl, '--out', out, '--duration', '1', '--data-dir', join(work, 'tool'), ...more], { WX_OBSERVER_PASSWORD: observerSecret() });
  const observerSecret = () => simulatedDeviceSecret(live.config.fleetKey, 'observer');

  it('refuses a file that exists (WX_ERR_FILE naming --force) and leaves it as it was', async () => {
    const out = join(work, 'notes.txt');
    await writeFile(out, 'keep me\n');
    const run = await record(out);
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.stderr).toMatch(/^WX_ERR_FILE: record: cannot write the recording .*notes\.txt: the file exists; give --force to replace it/m);
    expect(run.code).toBe(1);
    expect(await readFile(out, 'utf8')).toBe('keep me\n');
  });

  it('refuses the running platform\'s users file, --force or not (WX_ERR_OUTPUT_IN_DATA_DIR), directly or through a link', async () => {
    const target = join(live.config.dataDir, 'users.json');
    const link = join(work, 'innocent.ndjson.gz');
    await symlink(target, link);
    for (const out of [target, link]) {
      for (const force of [[], ['--force']]) {
        const run = await record(out, ...force);
        expect(run.stderr).not.toMatch(stackTrace);
        expect(run.stderr, `${out} ${force.join('')}`).toMatch(/^WX_ERR_(OUTPUT_IN_DATA_DIR|FILE): record: cannot write the recording /m);
        expect(run.code).toBe(1);
      }
      const forced = await record(out, '--force');
      expect(forced.stderr).toMatch(/^WX_ERR_OUTPUT_IN_DATA_DIR: record: cannot write the recording .*: it lies in the data folder /m);
    }
    // A new file in the data folder is refused too: its files are the platform's.
    const fresh = await record(join(live.config.dataDir, 'new.ndjson.gz'));
    expect(fresh.stderr).toMatch(/^WX_ERR_OUTPUT_IN_DATA_DIR: /m);
    expect(await readFile(target, 'utf8')).toBe(users);
  });

  it('follows a chain of links to nowhere to its end (red team 8: hop1 → hop2 → a data folder file not yet made)', async () => {
    const target = join(live.config.dataDir, 'not-yet-made.json');
    const hop2 = join(work, 'hop2');
    const hop1 = join(work, 'hop1.ndjson.gz');
    await symlink(target, hop2);
    await symlink(hop2, hop1);
    const run = await record(hop1, '--force');
    expect(run.stderr).not.toMatch(stackTrace);
    expect(run.stderr).toMatch(/^WX_ERR_OUTPUT_IN_DATA_DIR: record: cannot write the recording .*hop1\.ndjson\.gz: it lies in the data folder /m);
    expect(run.code).toBe(1);
    await expect(readFile(target)).rejects.toMatchObject({ code: 'ENOENT' });
    // A loop of links is refused with its reason, not followed for ever.
    await symlink(join(work, 'loop-b'), join(work, 'loop-a'));
    await symlink(join(work, 'loop-a'), join(work, 'loop-b'));
    const loop = await record(join(work, 'loop-a'), '--force');
    expect(loop.stderr).toMatch(/^WX_ERR_FILE: record: cannot write .*more than 40 symbolic links/m);
  });

  it('refuses a file in the data folder it is given (--data-dir), even one not running', async () => {
    const dataDir = join(work, 'idle-data');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'devices.json'), '[]\n');
    const run = await runCli(['record', '--url', live.endpoints.mqttUrl, '--out', join(dataDir, 'devices.json'), '--force', '--duration', '1', '--data-dir', dataDir], { WX_OBSERVER_PASSWORD: observerSecret() });
    expect(run.stderr).toMatch(/^WX_ERR_OUTPUT_IN_DATA_DIR: record: cannot write the recording .*devices\.json: it lies in the data folder /m);
    expect(await readFile(join(dataDir, 'devices.json'), 'utf8')).toBe('[]\n');
  });

  it('replaces a file outside with --force, and writes a new one without it', async () => {
    const out = join(work, 'old.ndjson.gz');
    await writeFile(out, 'an old recording\n');
    const forced = await record(out, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect((await loadRecording(out)).header.format).toBe('wanxiang-recording');
    const fresh = await record(join(work, 'new.ndjson.gz'));
    expect(fresh.code, fresh.stderr).toBe(0);
  });

  it('the writer itself opens exclusively unless told to replace: no file can slip in between the check and the write', async () => {
    const out = join(work, 'raced.ndjson.gz');
    await writeFile(out, 'arrived first\n');
    let refused: unknown;
    try {
      createRecordingWriter(out, { startedAt: 0, source: 'test' }, { replace: false });
    } catch (error) {
      refused = error;
    }
    expect(isWanxiangError(refused) && refused.code).toBe('WX_ERR_FILE');
    expect(await readFile(out, 'utf8')).toBe('arrived first\n');
  });
});

/** The same rule for `report --out` (left open by the record fix). Checked before any source is asked, so no platform is needed. */
describe('report --out writes a new file, never one of a data folder', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-report-out-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('refuses an existing file without --force and a file in a data folder even with it', async () => {
    const existing = join(work, 'kept.md');
    await writeFile(existing, 'kept\n');
    const refused = await runCli(['report', '--period', '2025', '--out', existing, '--data-dir', join(work, 'data')]);
    expect(refused.stderr).not.toMatch(stackTrace);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/^WX_ERR_FILE: .*the file exists; give --force/m);
    expect(await readFile(existing, 'utf8')).toBe('kept\n');

    const dataDir = join(work, 'data');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'users.json'), '{}\n');
    const inFolder = await runCli(['report', '--period', '2025', '--out', join(dataDir, 'users.json'), '--force', '--data-dir', dataDir]);
    expect(inFolder.code, inFolder.stderr).toBe(1);
    expect(inFolder.stderr).toMatch(/^WX_ERR_OUTPUT_IN_DATA_DIR: /m);
    expect(await readFile(join(dataDir, 'users.json'), 'utf8')).toBe('{}\n');
  });
});
