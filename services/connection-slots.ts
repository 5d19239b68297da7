/**
 * A receiver's connection slots (the HJ 212 receiver's and the MQTT broker's): at most
 * `maxConnections` in all and `connectionsPerAddress` from one address (but for the exempt ones:
 * a NAT'd data centre, the local simulators).
 *
 * A connection on which nobody has logged in yet holds its slot only until someone needs it:
 * at the limit, a new connection takes the slot of the oldest of them. Without that, a hundred
 * addresses of 50 connections each, sending nothing, kept every real station out until the
 * login deadline closed them, and then again (red team, noticed after the third pass). A device
 * logs in with its first packet, milliseconds after it connects, so the oldest waiting slot is
 * never a device's for long.
 */
export interface ConnectionSlots<Connection extends object> {
  /** A slot for a new connection, or why there is none; `evicted` is a waiting connection to close for it. */
  admit(connection: Connection, addressKey: string, exempt: boolean): { readonly admitted: true; readonly evicted?: Connection } | { readonly admitted: false; readonly reason: 'limit' | 'per_address' };
  /** A device logged in on the connection: it keeps its slot. */
  loggedIn(connection: Connection): void;
  /** The connection closed (or was evicted already: then nothing). */
  release(connection: Connection): void;
  readonly size: number;
  all(): Iterable<Connection>;
}

/** `evictable`: false for a waiting connection whose first login is being checked (a device's, most likely: its secret under scrypt). */
export function createConnectionSlots<Connection extends object>(limits: { readonly maxConnections: number; readonly connectionsPerAddress: number }, evictable: (connection: Connection) => boolean = () => true): ConnectionSlots<Connection> {
  /** Each connection holding a slot, with its address key. */
  const sockets = new Map<Connection, string>();
  const perAddress = new Map<string, number>();
  /** In the order they connected (a Set iterates in insertion order): the first is the oldest. */
  const waiting = new Set<Connection>();
  const free = (socket: Connection) => {
    const addressKey = sockets.get(socket);
    if (addressKey === undefined) return;
    sockets.delete(socket);
    waiting.delete(socket);
    const left = (perAddress.get(addressKey) ?? 1) - 1;
    if (left > 0) perAddress.set(addressKey, left);
    else perAddress.delete(addressKey);
  };
  return {
    admit(socket, addressKey, exempt) {
      if (!exempt && (perAddress.get(addressKey) ?? 0) >= limits.connectionsPerAddress) return { admitted: false, reason: 'per_address' };
      let evicted: Connection | undefined;
      if (sockets.size >= limits.maxConnections) {
        for (const candidate of waiting) {
          if (!evictable(candidate)) continue;
          evicted = candidate;
          break;
        }
        if (!evicted) return { admitted: false, reason: 'limit' };
        // Its slot is the newcomer's now, not when its own close event comes.
        free(evicted);
      }
      sockets.set(socket, addressKey);
      waiting.add(socket);
      perAddress.set(addressKey, (perAddress.get(addressKey) ?? 0) + 1);
      return evicted ? { admitted: true, evicted } : { admitted: true };
    },
    loggedIn(socket) {
      waiting.delete(socket);
    },
    release: free,
    get size() {
      return sockets.size;
    },
    all: () => sockets.keys(),
  };
}
