import { startRecorder } from '../../simulators/recorder.ts';
import { simulatedDeviceSecret } from '../registry/secrets.ts';
import { assertWritableTarget, commandContext, runFor, shared } from './common.ts';
import { brokerStep } from './mqtt-failure.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';
import { assertOutputTarget } from './output-file.ts';
import { readSecret } from './secret-input.ts';
import { dataFolderUse } from './data-folder-notice.ts';
import type { Config } from '../config.ts';

const spec = {
  name: 'record',
  summary: "capture the district's traffic to a compressed NDJSON recording",
  options: {
    url: shared.broker(),
    out: option.string('FILE', 'recording to write: a new file, never one in a data folder').default('recording.ndjson.gz'),
    force: option.flag('replace the --out file if it exists'),
    username: option.string('NAME', 'observer login').default('observer'),
    'password-file': option.string('FILE', "its secret, read from FILE, or from stdin with - (default WX_OBSERVER_PASSWORD, else the observer's secret derived from the fleet key)"),
    // Declared only to refuse it with the way to do it instead (issue 18, item 20).
    password: option.string('SECRET', 'refused: a secret in argv is visible to every user of the host (ps); use --password-file'),
    duration: shared.duration(),
    'data-dir': shared.dataDir(),
  },
};

export const recordHelp = helpText(spec);

export async function recordCommand(argv: string[]): Promise<void> {
  const { options } = parseCommand(spec, argv);
  if (options.password !== undefined) {
    throw new UsageError('--password puts the secret in the process list (ps) and the shell history: use --password-file FILE, --password-file - (stdin) or WX_OBSERVER_PASSWORD', recordHelp);
  }
  await assertWritableTarget(options.out, 'the recording');
  const { config, topics } = await commandContext(options['data-dir'] ? { dataDir: options['data-dir'] } : {}, 'record');
  // Before connecting, for a plain answer; the exclusive opening of the file (without --force) is the check that holds.
  await assertOutputTarget(options.out, 'the recording', { force: options.force === true, config });
  const password = options['password-file'] ? await readSecret(options['password-file'], 'the observer\'s secret') : config.observerPassword ?? simulatedDeviceSecret(config.fleetKey, options.username);
  const recorder = await brokerStep(options.url, () =>
    startRecorder({ url: options.url, username: options.username, password, topics, path: options.out, replace: options.force === true }),
    loginHint(options, config),
  );
  process.stderr.write(`[record] recording ${options.url} to ${options.out}${options.duration ? ` for ${options.duration} s` : ' until Ctrl-C'}\n`);
  const progress = setInterval(() => process.stderr.write(`[record] ${recorder.recorded} messages\n`), 5_000);
  await runFor(options.duration);
  clearInterval(progress);
  process.stdout.write(`recorded ${await recorder.stop()} messages to ${options.out}\n`);
}

/**
 * Where the refused secret came from, and the way to the right one (issue 19, item 6: the
 * generic "check --password" sent users looking for a password they never had).
 */
function loginHint(options: { username: string; 'password-file'?: string }, config: Config): string {
  if (options['password-file']) return `the secret in ${options['password-file']} is not ${options.username}'s`;
  if (config.observerPassword) return `WX_OBSERVER_PASSWORD is not ${options.username}'s secret`;
  const use = dataFolderUse(config);
  const where = use.uninstalled ? `the data folder ${use.dataDir} has no installation, so ${options.username}'s secret was derived from the development key` : `${options.username}'s secret was derived from the fleet key of the data folder ${use.dataDir}`;
  return `${where}; give the running platform's data folder with --data-dir DIR (or WX_DATA_DIR), or its secret with --password-file FILE`;
}
