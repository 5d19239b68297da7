import { parseArgs } from 'node:util';
import { createFleet } from '../../simulators/fleet.ts';
import { parseFaultOptions } from '../../simulators/faults.ts';
import { commandContext, untilSignal } from './common.ts';

export const simulateHelp = `wanxiang simulate: run the simulated district against a broker

Options:
  --url URL           broker (default mqtt://127.0.0.1:1883)
  --devices N         first N devices of the registry (default all)
  --family F          only this family (repeatable)
  --interval MS       one report interval for all (default: each family's own)
  --seed N            seed (default 2025): the same seed gives the same readings
  --fault NAME=RATE   inject faults (repeatable): dropout, stuck, spike, clockSkew,
                      duplicate, malformed, wrongTopic; e.g. --fault spike=0.01
  --duration S        stop after S seconds (default: until Ctrl-C)
`;

export async function simulateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      devices: { type: 'string' },
      family: { type: 'string', multiple: true },
      interval: { type: 'string' },
      seed: { type: 'string', default: '2025' },
      fault: { type: 'string', multiple: true, default: [] },
      duration: { type: 'string' },
    },
  });
  const { config, registry, topics, log } = await commandContext();
  const devices = registry.devices.filter((device) => !values.family || values.family.includes(device.family)).slice(0, values.devices ? Number(values.devices) : undefined);
  const fleet = createFleet({
    url: values.url,
    fleetKey: config.fleetKey,
    topics,
    devices,
    seed: Number(values.seed),
    log,
    intervalMs: values.interval ? Number(values.interval) : undefined,
    faults: parseFaultOptions(values.fault),
  });
  await fleet.start();
  process.stderr.write(`[simulate] ${devices.length} devices connected in ${(fleet.stats().connectMs / 1_000).toFixed(1)} s\n`);
  const progress = setInterval(() => {
    const stats = fleet.stats();
    process.stderr.write(`[simulate] published ${stats.published}, connected ${stats.connected}/${stats.devices}, faults ${JSON.stringify(stats.faults)}\n`);
  }, 10_000);
  const stop = values.duration ? new Promise((resolve) => setTimeout(resolve, Number(values.duration) * 1_000)) : untilSignal();
  await stop;
  clearInterval(progress);
  await fleet.close();
  process.stdout.write(`${JSON.stringify({ ...fleet.stats(), rssMb: process.memoryUsage().rss / 1_048_576 })}\n`);
}
