import { parseStationUrl } from '../../simulators/hj212-client.ts';
import { replayRecording } from '../../simulators/replay.ts';
import { assertRecording, commandContext, progressPrinter, shared } from './common.ts';
import { step } from './failure.ts';
import { helpText, option, parseCommand } from './options.ts';
import { brokerStep } from './mqtt-failure.ts';

const speed = option.custom<number>('N|max', '×N of recorded time, or max: as fast as acknowledged', 'a number above 0 or max', (text) => {
  if (text === 'max') return Number.POSITIVE_INFINITY;
  const value = Number(text);
  return /^\d*\.?\d+$/.test(text) && value > 0 && Number.isFinite(value) ? value : undefined;
});

const spec = {
  name: 'replay',
  summary: 'publish a recording back',
  positionals: [{ name: 'FILE', describe: 'a recording (.ndjson.gz) written by wanxiang record', required: true }],
  description: `Each device is published under its own MQTT client id (DEVICE-replay-RANDOM), so a replay
never takes over the sessions of a running fleet. Raw HJ 212 frames in the recording go over TCP
to --hj212-url as their stations, with the PW the fleet key derives for each.`,
  options: {
    url: shared.broker(),
    speed: speed.default(60),
    timestamps: option.choice('T', 'original (keep recorded times) or now (shift so the recording ends now)', ['original', 'now'] as const).default('now'),
    family: shared.family(),
    device: option.string('ID', 'only this device').many(),
    'data-dir': shared.dataDir(),
    'hj212-url': option.url('URL', 'HJ 212 receiver the recorded raw HJ 212 frames go to', ['tcp:']).default('tcp://127.0.0.1:9212'),
  },
};

export const replayHelp = helpText(spec);

export async function replayCommand(argv: string[]): Promise<void> {
  const { options, positionals } = parseCommand(spec, argv);
  const path = positionals[0]!;
  await assertRecording(path);
  const { config, registry, topics } = await commandContext(options['data-dir'] ? { dataDir: options['data-dir'] } : {}, 'replay');
  const report = await brokerStep(options.url, () =>
    step(`cannot replay ${path}`, () =>
      replayRecording({
        url: options.url,
        fleetKey: config.fleetKey,
        topics,
        path,
        devices: new Map(registry.devices.map((device) => [device.id, device])),
        speed: options.speed,
        timestamps: options.timestamps,
        families: options.family.length > 0 ? new Set(options.family) : undefined,
        deviceIds: options.device.length > 0 ? new Set(options.device) : undefined,
        hj212Url: parseStationUrl(options['hj212-url']),
        onProgress: progressPrinter('replay'),
      }),
    ),
  );
  // Said on stderr too: a cut last line is skipped, never passed over in silence.
  if (report.tornTail) process.stderr.write(`[replay] ${path}: ${report.tornTail}; it was skipped, every whole line before it was replayed\n`);
  const unknown = Object.keys(report.unknownDevices);
  if (unknown.length > 0) process.stderr.write(`[replay] ${report.skipped.unknownDevice} messages of devices this registry does not hold were skipped: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? `, and more (the report's unknownDevices names up to 100)` : ''}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
