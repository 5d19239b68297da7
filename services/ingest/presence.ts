import type { Metrics } from '../metrics/metrics.ts';
import type { Point } from '../storage/line-protocol.ts';
import type { FamilyId } from '../families/index.ts';

export const deviceStatusMeasurement = 'device_status';
export type DeviceState = 'online' | 'offline';

export interface Presence {
  /**
   * A device's announced state (status topic, Last Will included) from `session`, the point to
   * store; null when an 'offline' is superseded: another session of the device is still live.
   */
  update(deviceId: string, family: FamilyId, state: DeviceState, timeMs: number, session?: string): Point | null;
  /** A device logged in on `session` (told by the broker): a live session is a live device. */
  connected(deviceId: string, session: string): void;
  /** The session ended; the device is offline once it has no session left. */
  disconnected(deviceId: string, session: string): void;
  /** A reading arrived: evidence of life, so the device is online whatever a status said. */
  seen(deviceId: string): void;
  isOnline(deviceId: string): boolean;
  online(): string[];
}

/**
 * Which devices are online (zigbee2mqtt's availability), following what is true when a device
 * has more than one session (issue 13, items 10 and 11): the Last Will or 'offline' of one
 * session does not mark a device offline while another of its sessions is live, and a reading
 * marks it online. Without sessions (an ingest fed by a subscription) status messages decide.
 */
export function createPresence(metrics: Metrics): Presence {
  const onlineDevices = new Set<string>();
  const sessions = new Map<string, Set<string>>();
  const set = (deviceId: string, online: boolean) => {
    if (online) onlineDevices.add(deviceId);
    else onlineDevices.delete(deviceId);
    metrics.devicesOnline.set(onlineDevices.size);
  };
  const endSession = (deviceId: string, session: string): number => {
    const live = sessions.get(deviceId);
    live?.delete(session);
    if (live?.size === 0) sessions.delete(deviceId);
    return sessions.get(deviceId)?.size ?? 0;
  };
  return {
    update(deviceId, family, state, timeMs, session) {
      if (state === 'offline') {
        const others = session === undefined ? (sessions.get(deviceId)?.size ?? 0) : endSession(deviceId, session);
        if (others > 0) return null;
      }
      set(deviceId, state === 'online');
      return {
        measurement: deviceStatusMeasurement,
        tags: { device: deviceId, family },
        fields: [['online', state === 'online' ? 1 : 0, 'int']],
        timeMs,
      };
    },
    connected(deviceId, session) {
      let live = sessions.get(deviceId);
      if (!live) sessions.set(deviceId, (live = new Set()));
      live.add(session);
      set(deviceId, true);
    },
    disconnected(deviceId, session) {
      if (endSession(deviceId, session) === 0 && onlineDevices.has(deviceId)) set(deviceId, false);
    },
    seen(deviceId) {
      if (!onlineDevices.has(deviceId)) set(deviceId, true);
    },
    isOnline: (deviceId) => onlineDevices.has(deviceId),
    online: () => [...onlineDevices].sort(),
  };
}

/** Status payloads are the bare words `online` or `offline`, as Last Will messages are. */
export function parseDeviceState(payload: Buffer): DeviceState | null {
  const word = payload.toString('utf8').trim();
  return word === 'online' || word === 'offline' ? word : null;
}
