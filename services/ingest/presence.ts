import type { Metrics } from '../metrics/metrics.ts';
import type { Point } from '../storage/line-protocol.ts';
import type { FamilyId } from '../families/index.ts';

export const deviceStatusMeasurement = 'device_status';
export type DeviceState = 'online' | 'offline';

export interface Presence {
  /** A device's announced state (status topic, Last Will included); the point to store. */
  update(deviceId: string, family: FamilyId, state: DeviceState, timeMs: number): Point;
  isOnline(deviceId: string): boolean;
  online(): string[];
}

/** Which devices are online, from their status messages and Last Wills (zigbee2mqtt's availability). */
export function createPresence(metrics: Metrics): Presence {
  const onlineDevices = new Set<string>();
  return {
    update(deviceId, family, state, timeMs) {
      if (state === 'online') onlineDevices.add(deviceId);
      else onlineDevices.delete(deviceId);
      metrics.devicesOnline.set(onlineDevices.size);
      return {
        measurement: deviceStatusMeasurement,
        tags: { device: deviceId, family },
        fields: [['online', state === 'online' ? 1 : 0, 'int']],
        timeMs,
      };
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
