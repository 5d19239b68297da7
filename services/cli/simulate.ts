import { fleetKeyDevices } from '../../simulators/device-client.ts';
import { createFleet } from '../../simulators/fleet.ts';
import { faultPlanSchema, parseFaultOptions } from '../../simulators/faults.ts';
import { commandContext, runFor, shared } from './common.ts';
import { brokerStep } from './mqtt-failure.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';
import { chooseStations, simulateStations } from './simulate-hj212.ts';

const rates = ['dropout', 'stuck', 'spike', 'clockSkew', 'duplicate', 'malformed', 'wrongTopic'];
const durations = ['dropoutMs', 'clockSkewMs'];

/** `NAME=RATE`, checked against the fault plan's own schema so the two cannot disagree. */
const fault = option.custom<string>('NAME=RATE', `inject faults: ${rates.join(', ')} at a RATE from 0 to 1 (e.g. spike=0.01); ${durations.join(' and ')} take milliseconds`, `NAME=RATE with NAME one of ${[...rates, ...durations].join(', ')} and RATE from 0 to 1 (milliseconds for ${durations.join(', ')})`, (text) => {
  const [name = '', value, ...rest] = text.split('=');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value ?? '') || rest.length > 0 || ![...rates, ...durations].includes(name)) return undefined;
  return faultPlanSchema.safeParse({ [name]: Number(value) }).success ? text : undefined;
});

const spec = {
  name: 'simulate',
  summary: 'run the simulated district against a broker',
  description: `Each device connects with its own credentials (secrets derived from the fleet key, see the
README) under a client id of its own (DEVICE-simulate-RANDOM), so it never takes over the
session of a fleet the platform runs.`,
  options: {
    url: shared.broker(),
    devices: shared.devices(),
    family: shared.family(),
    interval: option.integer('MS', "one report interval for all (default: each device's registered one, else its family's)", { min: 100, max: 86_400_000 }),
    seed: shared.seed(2025),
    fault: fault.many(),
    duration: shared.duration(),
    'data-dir': shared.dataDir(),
    // Issue 20, item 5: the registry's HJ 212 stations over TCP instead of MQTT JSON.
    protocol: option.choice('P', 'mqtt (JSON over MQTT) or hj212 (stations with an HJ 212 block, over TCP)', ['mqtt', 'hj212'] as const).default('mqtt'),
    'hj212-url': option.url('URL', 'HJ 212 receiver, with --protocol hj212', ['tcp:']).default('tcp://127.0.0.1:9212'),
  },
};

export const simulateHelp = helpText(spec);

export async function simulateCommand(argv: string[]): Promise<void> {
  const { options } = parseCommand(spec, argv);
  const { config, registry, topics, log } = await commandContext(options['data-dir'] ? { dataDir: options['data-dir'] } : {}, 'simulate');
  // Only the devices the fleet key speaks for (red team 11: one device added with a secret of its own, or disabled, failed the run).
  const { devices: keyed, skipped } = await fleetKeyDevices(registry.devices, config.fleetKey);
  if (skipped.length > 0) process.stderr.write(`[simulate] not simulated (the fleet key does not speak for them): ${skipped.map(({ id, why }) => `${id} (${why})`).join(', ')}\n`);
  const chosen = keyed.filter((device) => options.family.length === 0 || options.family.includes(device.family));
  const devices = chosen.slice(0, options.devices);
  if (devices.length === 0) throw new UsageError(`--family ${options.family.join(', ')}: the registry holds no such device`, simulateHelp);
  if (options.protocol === 'hj212') {
    const stations = chooseStations(chosen, options.family, simulateHelp).slice(0, options.devices);
    return simulateStations({ url: options['hj212-url'], devices: stations, fleetKey: config.fleetKey, seed: options.seed, intervalMs: options.interval, duration: options.duration, log });
  }
  const fleet = createFleet({
    url: options.url,
    fleetKey: config.fleetKey,
    topics,
    tool: 'simulate',
    devices,
    seed: options.seed,
    log,
    intervalMs: options.interval,
    faults: parseFaultOptions(options.fault),
  });
  await brokerStep(options.url, () => fleet.start(), `the devices' secrets were derived from the fleet key of the data folder ${config.dataDir}: give the data folder of the installation the broker's logins come from with --data-dir DIR (or WX_DATA_DIR), or its key with WX_FLEET_KEY`);
  process.stderr.write(`[simulate] ${devices.length} devices connected in ${(fleet.stats().connectMs / 1_000).toFixed(1)} s\n`);
  const progress = setInterval(() => {
    const stats = fleet.stats();
    process.stderr.write(`[simulate] published ${stats.published}, connected ${stats.connected}/${stats.devices}, faults ${JSON.stringify(stats.faults)}\n`);
  }, 10_000);
  await runFor(options.duration);
  clearInterval(progress);
  await fleet.close();
  process.stdout.write(`${JSON.stringify({ ...fleet.stats(), rssMb: process.memoryUsage().rss / 1_048_576 })}\n`);
}
