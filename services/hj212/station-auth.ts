import { createHash } from 'node:crypto';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { verifySecret } from '../registry/secrets.ts';

export type StationLogin =
  | { readonly ok: true; readonly station: DeviceRecord }
  | { readonly ok: false; readonly code: 'WX_ERR_UNKNOWN_DEVICE' | 'WX_ERR_BAD_CREDENTIALS' | 'WX_ERR_DEVICE_DISABLED' };

export interface StationDirectory {
  /** The station an MN names, from the registry as it is now. */
  byMn(mn: string): DeviceRecord | undefined;
  /**
   * What the registry tells without scrypt: an unknown MN, a disabled station, or a PW that
   * verified before (one SHA-256); undefined when only a scrypt run can tell (login, through the
   * login gate).
   */
  loginWithoutScrypt(mn: string, pw: string): StationLogin | undefined;
  /** MN and PW checked against the registry (PW stored as a hash); every packet carries both. */
  login(mn: string, pw: string): Promise<StationLogin>;
}

/**
 * Stations by MN, rebuilt whenever the registry is replaced (device administration), so a
 * station disabled or with a new PW a second ago is refused at its next packet. Every HJ 212
 * packet carries the PW, so a PW that verified is remembered by its SHA-256 fingerprint (in
 * memory only, keyed by the stored hash: a new PW is verified afresh), as the MQTT logins are
 * (device-registry.ts): one scrypt per station, not one per packet.
 */
const unknownMn: StationLogin = Object.freeze({ ok: false, code: 'WX_ERR_UNKNOWN_DEVICE' });
const disabled: StationLogin = Object.freeze({ ok: false, code: 'WX_ERR_DEVICE_DISABLED' });

export function createStationDirectory(registry: DeviceRegistry): StationDirectory {
  let file: DeviceRegistry['file'] | undefined;
  let stations = new Map<string, DeviceRecord>();
  const verified = new Map<string, string>();
  const checking = new Map<string, Promise<boolean>>();
  const current = () => {
    if (registry.file !== file) {
      file = registry.file;
      stations = new Map(file.devices.filter((device) => device.hj212).map((device) => [device.hj212!.mn, device]));
    }
    return stations;
  };
  const fingerprint = (pw: string) => createHash('sha256').update(pw).digest('base64');
  const withoutScrypt = (mn: string, pw: string): StationLogin | undefined => {
    const station = current().get(mn);
    if (!station?.hj212) return unknownMn;
    if (station.disabled) return disabled;
    // Keyed by the stored hash, so a PW that verified against it is right for every station sharing it.
    return verified.get(station.hj212.pwHash) === fingerprint(pw) ? { ok: true, station } : undefined;
  };
  return {
    byMn: (mn) => current().get(mn),
    loginWithoutScrypt: withoutScrypt,
    async login(mn, pw) {
      // Asked again: the registry may have changed while the check waited for its turn.
      const known = withoutScrypt(mn, pw);
      if (known) return known;
      const station = current().get(mn)!;
      const stored = station.hj212!.pwHash;
      const print = fingerprint(pw);
      // Packets of one station arrive several at a time (they are handled as they come): one scrypt for them all.
      const key = `${stored}\n${print}`;
      let check = checking.get(key);
      if (!check) {
        checking.set(key, (check = verifySecret(pw, stored)));
        void check.finally(() => checking.delete(key)).catch(() => undefined);
      }
      if (!(await check)) return { ok: false, code: 'WX_ERR_BAD_CREDENTIALS' };
      verified.set(stored, print);
      return { ok: true, station };
    },
  };
}

/** What one connection remembers of the stations that logged in on it. */
export interface ConnectionLogins {
  /** The station, when this MN logged in on this connection with this very PW and the registry has not changed since. */
  recall(mn: string, pw: string): DeviceRecord | undefined;
  /** `checkedAgainst`: the registry's file when the login began (a login that awaited a changed registry is not remembered). */
  remember(mn: string, pw: string, station: DeviceRecord, checkedAgainst: DeviceRegistry['file']): void;
}

/** A data logger may multiplex a few stations (MNs) on one connection; more than this and the memory starts again. */
const maxStationsPerConnection = 16;

/**
 * Every HJ 212 packet carries MN and PW: after the first login on a connection, the next
 * packets with the same MN and PW are the same login, as an MQTT session's publishes are. Held
 * per connection (dropped with it) and held to the registry as it is now: a registry change (a PW
 * rotated, a station disabled or removed, by the admin API, the CLI's file or the cluster) is read
 * at the next packet, whose login stands only if its station's record still has this MN, this PW
 * hash and is enabled; a station disabled a second ago is refused at its next packet. A change to
 * another device leaves it standing: every change made every station of a data terminal log in
 * again, in the connection's one login line, behind any other station's held wrong PWs (red team 12).
 * Saves the SHA-256 of the PW the directory's own memory needs per packet (issue 20's throughput goal).
 */
export function createConnectionLogins(registry: DeviceRegistry, directory: Pick<StationDirectory, 'byMn'>): ConnectionLogins {
  let file: DeviceRegistry['file'] | undefined;
  const logins = new Map<string, { readonly pw: string; station: DeviceRecord; readonly pwHash: string }>();
  const recall = (mn: string, pw: string): DeviceRecord | undefined => {
    const login = logins.get(mn);
    if (login === undefined || login.pw !== pw) return undefined;
    if (registry.file !== file) {
      // The registry changed: the login stands on this station's record as it is now.
      const now = directory.byMn(mn);
      if (now === undefined || now.id !== login.station.id) return undefined;
      login.station = now;
    }
    const { station } = login;
    // The record is compared too, so that even a record changed in place is checked afresh.
    if (station.disabled || station.hj212?.pwHash !== login.pwHash || station.hj212.mn !== mn) return undefined;
    return station;
  };
  return {
    recall,
    remember(mn, pw, station, checkedAgainst) {
      if (checkedAgainst !== registry.file) return;
      if (registry.file !== file) {
        // The logins that stand on their station's current record are kept; the others are checked afresh.
        for (const [known, login] of logins) if (recall(known, login.pw) === undefined) logins.delete(known);
        file = registry.file;
      }
      if (logins.size >= maxStationsPerConnection) logins.clear();
      logins.set(mn, { pw, station, pwHash: station.hj212!.pwHash });
    },
  };
}
