import { addressKey } from '../address-key.ts';
import { createLoginThrottle } from '../broker/login-throttle.ts';
import type { Config } from '../config.ts';
import type { LoginGate } from '../login-gate.ts';
import type { StationDirectory, StationLogin } from './station-auth.ts';

export type StationLoginLimits = Pick<Config['mqtt'], 'loginFailuresPerAddress' | 'loginFailuresPerDevice' | 'loginThrottleMs' | 'loginFailureDelayMs'>;

/** A login whose connection closed while it waited for its turn: no scrypt was run for it. */
export const connectionGone = 'gone';

export interface StationLogins {
  /** MN and PW checked, in the gate's turn when a scrypt run is needed; `gone` when the connection closed before its turn. */
  check(address: string, mn: string, pw: string, gone: () => boolean): Promise<StationLogin | typeof connectionGone>;
  /** Addresses and (address, MN) pairs whose failures are kept now (a metric's value). */
  readonly failureKeys: number;
}

/**
 * HJ 212 logins as the broker's (issue 18, item 6): the credentials are checked first, always,
 * so the right PW is never refused for others' mistakes. Failures count per address and per
 * (address, MN); past either limit, a failure is held `loginFailureDelayMs` at the gate, and the
 * next check of that MN from that address waits for it: a guesser gets one try a hold for an
 * MN, other MNs and other addresses go on (red team 3: 21 unknown MNs from one address made it
 * refuse the right PW of every station behind it for a minute, unrecorded).
 *
 * HJ 212 answers no failure (HJ 212-2017 §6.3.1), so the hold is felt as the wait before that
 * MN's next check, and by the logins after it on the same connection (checked one at a time);
 * the answers of a station already logged in on it are not held (answer-order.ts).
 */
export function createStationLogins(deps: {
  readonly directory: StationDirectory;
  readonly gate: LoginGate;
  readonly limits: StationLoginLimits;
  readonly now: () => number;
  /** A failure past the limits, held. */
  readonly onDelayed: () => void;
  /** A scrypt run begins. */
  readonly onCheck: () => void;
}): StationLogins {
  const { directory, gate, limits } = deps;
  const throttle = createLoginThrottle({ windowMs: limits.loginThrottleMs, now: deps.now });

  function failureHoldMs(address: string, mn: string): number {
    const byAddress = `address:${address}`;
    const byPair = `pair:${address}\0${mn}`;
    throttle.recordFailure(byAddress);
    throttle.recordFailure(byPair);
    const over = throttle.isThrottled(byAddress, limits.loginFailuresPerAddress + 1) || throttle.isThrottled(byPair, limits.loginFailuresPerDevice + 1);
    if (!over || limits.loginFailureDelayMs === 0) return 0;
    deps.onDelayed();
    return limits.loginFailureDelayMs;
  }
  /** A failure that counts: a wrong PW or an unknown MN (a disabled station's own packets are not guesses). */
  const counts = (login: StationLogin | typeof connectionGone) => login !== connectionGone && !login.ok && login.code !== 'WX_ERR_DEVICE_DISABLED';

  return {
    check(remoteAddress, mn, pw, gone) {
      // Failures and turns count per client: an IPv6 /64 is one (address-key.ts).
      const address = addressKey(remoteAddress);
      // The gate's id for this MN, apart from the broker's client ids (the gate is shared).
      const id = `hj212:${mn}`;
      const known = directory.loginWithoutScrypt(mn, pw);
      if (known !== undefined) {
        if (!counts(known)) return Promise.resolve(known);
        // An unknown MN costs no scrypt run; it still counts, and past the limits it is held too.
        const holdMs = failureHoldMs(address, mn);
        return holdMs > 0 ? gate.run(address, id, () => Promise.resolve(known), () => holdMs) : Promise.resolve(known);
      }
      const verify = (): Promise<StationLogin | typeof connectionGone> => {
        if (gone()) return Promise.resolve(connectionGone);
        deps.onCheck();
        return directory.login(mn, pw);
      };
      return gate.run(address, id, verify, (login) => (counts(login) ? failureHoldMs(address, mn) : 0));
    },
    get failureKeys() {
      return throttle.size;
    },
  };
}
