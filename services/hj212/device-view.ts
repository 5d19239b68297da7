import type { DeviceRecord } from '../registry/registry-schema.ts';
import type { StationState } from './station-states.ts';

/**
 * What the API shows of a device's protocol (issue 20, item 5): `protocol` (mqtt or hj212) and,
 * for a station, its MN, CRC policy, maps, and what its last packet said (time, CRC variant,
 * standard version). Never a secret: the PW hash stays in the registry.
 */
export function protocolView(device: Pick<DeviceRecord, 'hj212'>, state: StationState | undefined): Record<string, unknown> {
  if (!device.hj212) return { protocol: 'mqtt' };
  const { pwHash: _pwHash, ...hj212 } = device.hj212;
  return {
    protocol: 'hj212',
    hj212: { ...hj212, lastPacketAt: state?.lastPacketAt ?? null, crcVariant: state?.crcVariant ?? null, version: state?.version ?? null, connected: state?.connected ?? false },
  };
}
