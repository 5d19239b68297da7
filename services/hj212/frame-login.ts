import type { Socket } from 'node:net';
import type { ErrorCode } from '../errors.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { verifySecret } from '../registry/secrets.ts';
import type { Frame } from './framer.ts';
import type { PacketResult } from './hj212-metrics.ts';
import type { Packet } from './packet.ts';
import { isHistoryStationPw, simulatedStationPw } from './simulated-station.ts';
import type { ConnectionLogins, StationDirectory } from './station-auth.ts';
import { connectionGone, type StationLogins } from './station-login.ts';

/** What of a connection the logins of its frames use and keep. */
export interface LoginSide {
  readonly socket: Socket;
  readonly address: string | undefined;
  readonly logins: ConnectionLogins;
  /** The PW check under way on this connection: the next login waits for it (a guesser's pipelined packets are checked one at a time). */
  loginUnderWay: Promise<void> | undefined;
  /** MN → the history PW a replay logged in with on this connection (simulated-station.ts historyStationPw). */
  readonly historyPws: Map<string, string>;
}

/** A refusal counted, dead-lettered, and never answered (the receiver's). */
export type Refuse = (result: PacketResult, code: ErrorCode, message: string, frame: Frame, device?: string) => undefined;

/**
 * Who sent a frame whose MN and PW its connection has not recalled (connection.logins.recall, the
 * receiver's path that awaits nothing): a login, checked one at a time per connection, or a
 * refusal. The station as the registry has it now, or undefined once refused or gone.
 */
export function createFrameLogin(deps: {
  readonly directory: StationDirectory;
  readonly registry: DeviceRegistry;
  readonly stationLogins: StationLogins;
  readonly fleetKey: string | undefined;
  readonly refuse: Refuse;
  /** The connection closed while its PW was checked. */
  readonly onGone: () => void;
}) {
  const { directory, registry, refuse } = deps;

  /** A PW check begun: known to its connection (the next login waits for it) until it ends. */
  function beginLogin(connection: LoginSide): { end(): void } {
    let ended!: () => void;
    const underWay = new Promise<void>((resolve) => { ended = resolve; });
    connection.loginUnderWay = underWay;
    return {
      end() {
        if (connection.loginUnderWay === underWay) connection.loginUnderWay = undefined;
        ended();
      },
    };
  }

  return async function stationOf(frame: Frame, packet: Packet, connection: LoginSide): Promise<DeviceRecord | undefined> {
    const mn = packet.mn ?? '';
    const pw = packet.pw ?? '';
    // Logins of one connection one at a time: sixty guesses in one write were all checked before
    // any had failed, so the throttle never saw them (red team 3). The station's own packets wait
    // for its first login and are then recalled.
    while (connection.loginUnderWay) {
      await connection.loginUnderWay;
      const recalled = connection.logins.recall(mn, pw);
      if (recalled) return recalled;
    }
    const known = directory.byMn(mn);
    if (known && !known.disabled && deps.fleetKey !== undefined && isHistoryStationPw(deps.fleetKey, known.id, pw)) {
      // A replay of a simulated station (its own PW derived from the same key, checked once a connection): history, no live alarm.
      const checkedAgainst = registry.file;
      if (await verifySecret(simulatedStationPw(deps.fleetKey, known.id), known.hj212!.pwHash)) {
        connection.logins.remember(mn, pw, known, checkedAgainst);
        connection.historyPws.set(mn, pw);
        return known;
      }
    }
    const checkedAgainst = registry.file;
    const turn = beginLogin(connection);
    let login: Awaited<ReturnType<StationLogins['check']>>;
    try {
      // Credentials first, always (station-login.ts): a failure past the limits is held, never
      // the right PW refused. A PW not verified before runs scrypt in its turn at the gate MQTT
      // logins use (red team: 2,000 ran at once on libuv's pool, where the spool's fsync waits).
      login = await deps.stationLogins.check(connection.address ?? 'unknown', mn, pw, () => connection.socket.destroyed);
      if (login !== connectionGone && login.ok) connection.logins.remember(mn, pw, login.station, checkedAgainst);
    } finally {
      // Ended once its failure is counted or its login remembered: the next login of the connection then sees either.
      turn.end();
    }
    if (login === connectionGone) {
      deps.onGone();
      return undefined;
    }
    if (!login.ok) {
      const result = login.code === 'WX_ERR_UNKNOWN_DEVICE' ? 'unknown_mn' : login.code === 'WX_ERR_DEVICE_DISABLED' ? 'disabled' : 'bad_pw';
      return refuse(result, login.code, `HJ 212 packet refused: ${result} (MN ${JSON.stringify(mn.slice(0, 32))})`, frame, known?.id);
    }
    const station = login.station;
    // The registry changed while the PW was checked (a disable, a rotate, a removal): the station
    // is judged as it is now. Bound as it was, a station disabled meanwhile had its packet stored
    // and answered after the disable was, and stayed shown connected (red team 10).
    if (registry.file === checkedAgainst) return station;
    const now = registry.device(station.id);
    const result = !now || now.hj212?.mn !== mn ? 'unknown_mn' : now.disabled ? 'disabled' : now.hj212.pwHash !== station.hj212!.pwHash ? 'bad_pw' : null;
    if (result === null) return now!;
    const code = result === 'unknown_mn' ? 'WX_ERR_UNKNOWN_DEVICE' : result === 'disabled' ? 'WX_ERR_DEVICE_DISABLED' : 'WX_ERR_BAD_CREDENTIALS';
    return refuse(result, code, `HJ 212 packet refused: ${result} since its PW was checked (MN ${JSON.stringify(mn.slice(0, 32))})`, frame, station.id);
  };
}
