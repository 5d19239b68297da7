import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Presence } from '../ingest/presence.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';

/**
 * The connections each station is logged in on: presence (a station is connected while one of
 * them is open), the idle time its interval asks for, and closing them when the registry no
 * longer allows the station as it logged in (as the broker's enforceRegistry).
 */
export interface StationSessions {
  /** The station's packet came on this connection: shown connected until the connection closes. */
  bind(station: DeviceRecord, socket: Socket, session: string): void;
  /** Whether the station has a connection open now. */
  connected(deviceId: string): boolean;
  /** After the registry changed: closes the connections of stations now disabled, removed or with a new MN or PW; how many. */
  enforceRegistry(): number;
}

export function createStationSessions(deps: {
  readonly registry: DeviceRegistry;
  readonly presence: Presence;
  readonly idleTimeoutMs: number;
  readonly log: Logger;
  /** A connection closed by enforceRegistry (counted as `reason="registry"`). */
  readonly onClosedByRegistry: () => void;
}): StationSessions {
  const liveSessions = new Map<string, Set<Socket>>();
  /** Each connection's stations as they logged in (MN, PW hash), to close it when the registry no longer allows them. */
  const boundAs = new WeakMap<Socket, Map<string, { readonly mn: string; readonly pwHash: string }>>();
  return {
    bind(station, socket, session) {
      const deviceId = station.id;
      let live = liveSessions.get(deviceId);
      if (!live) liveSessions.set(deviceId, (live = new Set()));
      if (live.has(socket)) return;
      live.add(socket);
      let bound = boundAs.get(socket);
      if (!bound) boundAs.set(socket, (bound = new Map()));
      bound.set(deviceId, { mn: station.hj212!.mn, pwHash: station.hj212!.pwHash });
      // No heartbeat in HJ 212-2017: a connection stays open for 3× its slowest station's interval, at least the default (reference §9.1).
      const idleMs = 3 * (station.reportIntervalMs ?? 0);
      if (idleMs > (socket.timeout ?? deps.idleTimeoutMs)) socket.setTimeout(idleMs);
      deps.presence.connected(deviceId, session);
      socket.once('close', () => {
        live.delete(socket);
        if (live.size === 0) liveSessions.delete(deviceId);
        deps.presence.disconnected(deviceId, session);
      });
    },
    connected: (deviceId) => liveSessions.has(deviceId),
    enforceRegistry() {
      // Conventions 17: a station disabled a second ago keeps no connection open (it was refused only at its next packet, and shown connected).
      let closed = 0;
      for (const [deviceId, live] of liveSessions) {
        const now = deps.registry.device(deviceId);
        for (const socket of live) {
          const atLogin = boundAs.get(socket)?.get(deviceId);
          if (now?.hj212 && !now.disabled && now.hj212.mn === atLogin?.mn && now.hj212.pwHash === atLogin.pwHash) continue;
          deps.log.warn({ code: now?.disabled ? 'WX_ERR_DEVICE_DISABLED' : now ? 'WX_ERR_BAD_CREDENTIALS' : 'WX_ERR_UNKNOWN_DEVICE', device: deviceId }, 'HJ 212 connection closed after a registry change');
          deps.onClosedByRegistry();
          socket.destroy();
          closed += 1;
        }
      }
      return closed;
    },
  };
}
