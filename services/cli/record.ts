import { startRecorder } from '../../simulators/recorder.ts';
import { simulatedDeviceSecret } from '../registry/secrets.ts';
import { assertWritableTarget, commandContext, runFor, shared } from './common.ts';
import { brokerStep } from './mqtt-failure.ts';
import { helpText, option, parseCommand } from './options.ts';

const spec = {
  name: 'record',
  summary: "capture the district's traffic to a compressed NDJSON recording",
  options: {
    url: shared.broker(),
    out: option.string('FILE', 'recording to write').default('recording.ndjson.gz'),
    username: option.string('NAME', 'observer login').default('observer'),
    password: option.string('SECRET', "its secret (default: the observer's secret derived from the fleet key, see the README)"),
    duration: shared.duration(),
  },
};

export const recordHelp = helpText(spec);

export async function recordCommand(argv: string[]): Promise<void> {
  const { options } = parseCommand(spec, argv);
  await assertWritableTarget(options.out, 'the recording');
  const { config, topics } = await commandContext();
  const recorder = await brokerStep(options.url, () =>
    startRecorder({
      url: options.url,
      username: options.username,
      password: options.password ?? simulatedDeviceSecret(config.fleetKey, options.username),
      topics,
      path: options.out,
    }),
  );
  process.stderr.write(`[record] recording ${options.url} to ${options.out}${options.duration ? ` for ${options.duration} s` : ' until Ctrl-C'}\n`);
  const progress = setInterval(() => process.stderr.write(`[record] ${recorder.recorded} messages\n`), 5_000);
  await runFor(options.duration);
  clearInterval(progress);
  process.stdout.write(`recorded ${await recorder.stop()} messages to ${options.out}\n`);
}
