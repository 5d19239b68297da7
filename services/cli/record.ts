import { parseArgs } from 'node:util';
import { startRecorder } from '../../simulators/recorder.ts';
import { simulatedDeviceSecret } from '../registry/secrets.ts';
import { commandContext, untilSignal } from './common.ts';

export const recordHelp = `wanxiang record: capture the district's traffic to a compressed NDJSON recording

Options:
  --url URL           broker (default mqtt://127.0.0.1:1883)
  --out FILE          recording to write (default recording.ndjson.gz)
  --username NAME     observer login (default observer)
  --password SECRET   its secret (default: the development fleet's observer secret)
  --duration S        stop after S seconds (default: until Ctrl-C)
`;

export async function recordCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      out: { type: 'string', default: 'recording.ndjson.gz' },
      username: { type: 'string', default: 'observer' },
      password: { type: 'string' },
      duration: { type: 'string' },
    },
  });
  const { config, topics } = await commandContext();
  const recorder = await startRecorder({
    url: values.url,
    username: values.username,
    password: values.password ?? simulatedDeviceSecret(config.fleetKey, values.username),
    topics,
    path: values.out,
  });
  const progress = setInterval(() => process.stderr.write(`[record] ${recorder.recorded} messages\n`), 5_000);
  await (values.duration ? new Promise((resolve) => setTimeout(resolve, Number(values.duration) * 1_000)) : untilSignal());
  clearInterval(progress);
  process.stdout.write(`recorded ${await recorder.stop()} messages to ${values.out}\n`);
}
