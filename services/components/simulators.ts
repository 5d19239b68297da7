import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { fleetKeyDevices } from '../../simulators/device-client.ts';
import { createDistrictFleet } from '../../simulators/district-fleet.ts';
import type { Fleet } from '../../simulators/fleet.ts';
import { parseStationUrl } from '../../simulators/hj212-client.ts';
import { createReplayRunner } from '../../simulators/replay-runner.ts';
import type { Config } from '../config.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { Topics } from '../topics.ts';
import type { DoorAddresses } from './doors.ts';
import type { Part } from './part.ts';

interface SimulatorDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly topics: Topics;
  readonly registry: DeviceRegistry;
  readonly doors: Pick<DoorAddresses, 'mqttUrl' | 'hj212Url'>;
}

export interface ReplaysPart extends Part {
  /** A recording of seeds/recordings replayed into the doors (POST /api/v1/replay). */
  startRecording(request: { recording: string; speed: number; timestamps: 'now' | 'original' }): Promise<void>;
  /** A recording file replayed into the doors (WX_SIMULATE with a replay file). */
  startFile(path: string, speed: number): Promise<void>;
}

/**
 * The replays the platform runs, an operator's through the API and the demo's: begun before the
 * API listens, so that whatever replay it starts is stopped with the platform, even when the start
 * fails after the API listened. Replays send into the doors: they stop before the doors shut.
 */
export function createReplaysPart(deps: SimulatorDeps): ReplaysPart {
  const { config, log, topics, registry, doors } = deps;
  // Building the runner starts nothing: it runs what is asked of it.
  const replays = createReplayRunner({ url: doors.mqttUrl, fleetKey: config.fleetKey, topics, registry, log, ...(doors.hj212Url ? { hj212Url: parseStationUrl(doors.hj212Url) } : {}) });
  return {
    startRecording: ({ recording, speed, timestamps }) => replays.start({ path: resolve('seeds/recordings', `${recording}.ndjson.gz`), speed, timestamps }),
    startFile: (path, speed) => replays.start({ path: resolve(path), speed, timestamps: 'now' }),
    async start() {},
    async stopInput() {
      await replays.close();
    },
  };
}

/**
 * The demo (WX_SIMULATE): the simulated district fleet, or a recording replayed. It sends into the
 * doors like real devices, so it starts last, once the platform listens, and stops first.
 */
/** Started, it answers how many devices the simulated district sends as (0 when it is off or replays). */
export function createSimulatorsPart(deps: SimulatorDeps & { readonly replays: ReplaysPart }): Part<number> {
  const { config, log, topics, registry, doors } = deps;
  let fleet: Fleet | undefined;
  return {
    async start() {
      if (config.simulate.enabled && config.simulate.replayFile) {
        await deps.replays.startFile(config.simulate.replayFile, config.simulate.replaySpeed);
      } else if (config.simulate.enabled) {
        // Stations with an HJ 212 block speak it to the receiver when it is on (issue 20, item 5).
        // Only the devices the fleet key speaks for: a device of its own (devices add, rotate) or a disabled one is left to itself.
        const { devices, skipped, disabled } = await fleetKeyDevices(registry.devices, config.fleetKey);
        if (skipped.length > 0) log.info({ skipped: skipped.map(({ id, why }) => `${id} (${why})`) }, 'simulated fleet: devices with a secret of their own or disabled are not simulated (a disabled one is, once enabled)');
        // A device disabled now or later comes back once enabled, while it keeps the secret the key derives (not rotated).
        const secretAtStart = new Map([...devices, ...disabled].map((device) => [device.id, device.secretHash]));
        const mayConnect = (id: string) => {
          const now = registry.device(id);
          return now !== undefined && !now.disabled && now.secretHash === secretAtStart.get(id);
        };
        fleet = createDistrictFleet({ url: doors.mqttUrl, hj212Url: doors.hj212Url, fleetKey: config.fleetKey, topics, devices, waiting: disabled, mayConnect, intervalMs: config.simulate.intervalMs, seed: config.simulate.seed, log });
        await fleet.start();
        return devices.length;
      }
      return 0;
    },
    async stopInput() {
      await fleet?.close();
    },
  };
}
