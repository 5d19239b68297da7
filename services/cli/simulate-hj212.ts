import type { Logger } from 'pino';
import { getFamily } from '../families/index.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { createHj212Fleet } from '../../simulators/hj212-fleet.ts';
import { parseStationUrl } from '../../simulators/hj212-client.ts';
import { speaksHj212 } from '../../simulators/hj212-packets.ts';
import { runFor } from './common.ts';
import { step } from './failure.ts';
import { UsageError } from './options.ts';

/**
 * The stations `simulate --protocol hj212` runs (issue 20, item 5): the chosen devices of
 * families that have HJ 212 codes and that the registry gives an HJ 212 block (MN, PW). A
 * family without codes, or without a registered station, is a usage error naming the remedy.
 */
export function chooseStations(devices: readonly DeviceRecord[], families: readonly string[], help: string): DeviceRecord[] {
  for (const family of families) {
    if (!speaksHj212(family as DeviceRecord['family'])) throw new UsageError(`--family ${family}: ${getFamily(family as DeviceRecord['family']).title} has no HJ 212 codes; simulate it with --protocol mqtt`, help);
  }
  const stations = devices.filter((device) => device.hj212 !== undefined && speaksHj212(device.family));
  if (stations.length === 0) throw new UsageError(`--protocol hj212: no chosen device has an HJ 212 block; register one with wanxiang devices add … --hj212-mn MN --hj212-pw-file FILE`, help);
  return stations;
}

export async function simulateStations(options: { url: string; devices: readonly DeviceRecord[]; fleetKey: string; seed: number; intervalMs?: number; duration?: number; log: Logger }): Promise<void> {
  const fleet = createHj212Fleet({ url: parseStationUrl(options.url), devices: options.devices, fleetKey: options.fleetKey, seed: options.seed, intervalMs: options.intervalMs, log: options.log });
  await step(`cannot reach the HJ 212 receiver at ${options.url}`, () => fleet.start());
  process.stderr.write(`[simulate] ${options.devices.length} HJ 212 stations connected to ${options.url}\n`);
  const progress = setInterval(() => {
    const stats = fleet.stats();
    process.stderr.write(`[simulate] sent ${stats.sent}, answered ${stats.answered}, resent ${stats.resent}, connected ${stats.connected}/${stats.stations}\n`);
  }, 10_000);
  await runFor(options.duration);
  clearInterval(progress);
  await fleet.close();
  process.stdout.write(`${JSON.stringify({ protocol: 'hj212', ...fleet.stats(), rssMb: process.memoryUsage().rss / 1_048_576 })}\n`);
}
