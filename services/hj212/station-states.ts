import type { CrcVariant } from './crc.ts';

/** What the live API says of a station speaking HJ 212 (issue 20, item 2). */
export interface StationState {
  readonly device: string;
  readonly protocol: 'hj212';
  readonly mn: string;
  readonly lastPacketAt: string;
  readonly crcVariant: CrcVariant;
  /** The Flag's version bits of the last packet: 0 HJ/T 212-2005, 1 HJ 212-2017, 2 HJ 212-2025. */
  readonly version: number;
  readonly address: string | undefined;
  readonly connected: boolean;
}

/** What a station's last stored packet said. */
export interface StationPacketSeen {
  readonly mn: string;
  readonly atMs: number;
  readonly crcVariant: CrcVariant;
  readonly version: number;
  readonly address: string | undefined;
}

export interface StationStates {
  /** A packet of the station stored. */
  seen(deviceId: string, packet: StationPacketSeen): void;
  all(): StationState[];
  of(deviceId: string): StationState | undefined;
}

/** A station's last packet; the API's StationState is made of it when asked. */
interface StationEntry {
  readonly device: string;
  mn: string;
  lastPacketAtMs: number;
  crcVariant: CrcVariant;
  version: number;
  address: string | undefined;
}

/** The stations' last packets, as the API shows them; `connected` says whether a station has a connection now. */
export function createStationStates(connected: (deviceId: string) => boolean): StationStates {
  const states = new Map<string, StationEntry>();
  const withConnection = ({ lastPacketAtMs, ...state }: StationEntry): StationState => ({ ...state, protocol: 'hj212', lastPacketAt: new Date(lastPacketAtMs).toISOString(), connected: connected(state.device) });
  return {
    seen(deviceId, { mn, atMs, crcVariant, version, address }) {
      const state = states.get(deviceId);
      // Updated in place (one object a station, not one a packet); the API copies it when asked.
      if (state) {
        state.mn = mn;
        state.lastPacketAtMs = atMs;
        state.crcVariant = crcVariant;
        state.version = version;
        state.address = address;
      } else states.set(deviceId, { device: deviceId, mn, lastPacketAtMs: atMs, crcVariant, version, address });
    },
    all: () => [...states.values()].map(withConnection),
    of(deviceId) {
      const state = states.get(deviceId);
      return state && withConnection(state);
    },
  };
}
