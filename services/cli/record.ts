import { startRecorder } from '../../simulators/recorder.ts';
import { simulatedDeviceSecret } from '../registry/secrets.ts';
import { assertWritableTarget, commandContext, runFor, shared } from './common.ts';
import { brokerStep } from './mqtt-failure.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';
import { readSecret } from './secret-input.ts';

const spec = {
  name: 'record',
  summary: "capture the district's traffic to a compressed NDJSON recording",
  options: {
    url: shared.broker(),
    out: option.string('FILE', 'recording to write').default('recording.ndjson.gz'),
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
  const { config, topics } = await commandContext(options['data-dir'] ? { dataDir: options['data-dir'] } : {});
  const password = options['password-file'] ? await readSecret(options['password-file'], 'the observer\'s secret') : config.observerPassword ?? simulatedDeviceSecret(config.fleetKey, options.username);
  const recorder = await brokerStep(options.url, () =>
    startRecorder({ url: options.url, username: options.username, password, topics, path: options.out }),
  );
  process.stderr.write(`[record] recording ${options.url} to ${options.out}${options.duration ? ` for ${options.duration} s` : ' until Ctrl-C'}\n`);
  const progress = setInterval(() => process.stderr.write(`[record] ${recorder.recorded} messages\n`), 5_000);
  await runFor(options.duration);
  clearInterval(progress);
  process.stdout.write(`recorded ${await recorder.stop()} messages to ${options.out}\n`);
}
