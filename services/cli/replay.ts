import { parseArgs } from 'node:util';
import { replayRecording } from '../../simulators/replay.ts';
import { isFamilyId, type FamilyId } from '../families/index.ts';
import { commandContext, progressPrinter } from './common.ts';

export const replayHelp = `wanxiang replay FILE: publish a recording back

Options:
  --url URL           broker (default mqtt://127.0.0.1:1883)
  --speed N|max       ×N of recorded time, or max: as fast as acknowledged (default 60)
  --timestamps T      original (keep recorded times) or now (shift so the recording ends now; default)
  --family F          only this family (repeatable)
  --device ID         only this device (repeatable)
`;

export async function replayCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      speed: { type: 'string', default: '60' },
      timestamps: { type: 'string', default: 'now' },
      family: { type: 'string', multiple: true },
      device: { type: 'string', multiple: true },
    },
  });
  const path = positionals[0];
  if (!path) throw new Error(`a recording file is required\n\n${replayHelp}`);
  if (values.timestamps !== 'now' && values.timestamps !== 'original') throw new Error(`--timestamps must be now or original, not ${values.timestamps}`);
  const families = values.family?.map((family) => {
    if (!isFamilyId(family)) throw new Error(`unknown family ${family}`);
    return family as FamilyId;
  });
  const { config, registry, topics } = await commandContext();
  const report = await replayRecording({
    url: values.url,
    fleetKey: config.fleetKey,
    topics,
    path,
    devices: new Map(registry.devices.map((device) => [device.id, device])),
    speed: values.speed === 'max' ? Number.POSITIVE_INFINITY : Number(values.speed),
    timestamps: values.timestamps,
    families: families ? new Set(families) : undefined,
    deviceIds: values.device ? new Set(values.device) : undefined,
    onProgress: progressPrinter('replay'),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
