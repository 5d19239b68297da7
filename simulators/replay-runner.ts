import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import { WanxiangError } from '../services/errors.ts';
import type { DeviceRegistry } from '../services/registry/device-registry.ts';
import type { DeviceConnection } from './device-client.ts';
import { replayRecording } from './replay.ts';

export interface ReplayRunner {
  /** Starts a replay in the background; refuses a recording that is not there. */
  start(request: { path: string; speed: number; timestamps: 'now' | 'original' }): Promise<void>;
  /** Stops every replay still running and waits for them. */
  close(): Promise<void>;
}

/** Replays started by the main job or an operator, each stoppable at shutdown. */
export function createReplayRunner(deps: DeviceConnection & { registry: DeviceRegistry; log: Logger; hj212Url?: { host: string; port: number } }): ReplayRunner {
  const running = new Set<{ stop: AbortController; done: Promise<void> }>();
  return {
    async start({ path, speed, timestamps }) {
      await access(path).catch(() => {
        throw new WanxiangError('WX_ERR_NOT_FOUND', `no recording ${path}`);
      });
      const stop = new AbortController();
      const devices = new Map(deps.registry.devices.map((device) => [device.id, device]));
      // The platform's own replays (start --replay, POST /api/v1/replay) stand in for the demo fleet:
      // not `replay-` sessions, whose readings raise no alarms (services/ingest/history.ts, issue 21).
      const entry = {
        stop,
        done: replayRecording({ ...deps, devices, path, speed, timestamps, signal: stop.signal, tool: 'demo' }).then(
          (report) => {
            const refused = Object.keys(report.refusedDevices).length;
            if (report.skipped.unknownDevice > 0) deps.log.warn({ path, unknownDevices: report.unknownDevices }, `replay: ${report.skipped.unknownDevice} messages of devices the registry does not hold skipped`);
            if (refused > 0) deps.log.warn({ path, sent: report.sent, skipped: report.skipped, refusedDevices: report.refusedDevices }, `replay finished; ${refused} devices not let in, their messages skipped`);
            else deps.log.info({ path, sent: report.sent, skipped: report.skipped }, 'replay finished');
          },
          (error: unknown) => deps.log.error({ err: error, path }, 'replay failed'),
        ),
      };
      running.add(entry);
      void entry.done.finally(() => running.delete(entry));
    },
    async close() {
      for (const entry of running) entry.stop.abort();
      await Promise.all([...running].map((entry) => entry.done));
    },
  };
}
