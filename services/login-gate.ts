/**
 * Where secret verification waits its turn: MQTT logins (issue 18, item 6) and HJ 212 PWs (red
 * team: 2,000 wrong PWs from 40 addresses ran 2,000 scrypts at once and held MQTT PUBACKs up to
 * 57 s). A secret that has not verified before costs one scrypt run on libuv's thread pool, where
 * the spool's fdatasync waits too: a guesser must not be able to fill that pool and stall every
 * device's PUBACK. The platform makes one gate for both doors (services/components/doors.ts), since
 * both draw on the one pool; an address's logins on either door take their turns together.
 *
 * - At most `concurrency` verifications run at once in all (libuv's pool has 4 threads; the
 *   rest stay free for the file system), and one at a time per client address, the addresses
 *   taking turns: one address's flood of logins waits behind itself, not in front of others.
 * - A login may be held after its verification (`holdMs` > 0: a failure past the throttle's
 *   limit); while held, the next login of the same key (address and id) waits, so a guesser
 *   gets one answer per hold for that id, while other ids and other addresses go on.
 *
 * Nothing is refused here: a right secret is never locked out, it waits its turn.
 */
export function createLoginGate(options: { concurrency: number }) {
  interface Waiting {
    readonly key: string;
    readonly start: () => void;
  }
  // Map order is the order of turns: an address served goes to the back.
  const queues = new Map<string, Waiting[]>();
  const verifying = new Set<string>(); // addresses with a verification running
  const held = new Set<string>(); // keys (address and id) whose last failure is being held
  let running = 0;
  /** The most verifications that ever ran at once (never above `concurrency`: a metric says so). */
  let peak = 0;

  function pump(): void {
    for (const [address, waiting] of queues) {
      if (running >= options.concurrency) return;
      if (verifying.has(address)) continue;
      const index = waiting.findIndex((entry) => !held.has(entry.key));
      if (index < 0) continue;
      const [next] = waiting.splice(index, 1);
      queues.delete(address);
      if (waiting.length > 0) queues.set(address, waiting);
      verifying.add(address);
      running += 1;
      if (running > peak) peak = running;
      next!.start();
    }
  }

  return {
    /**
     * Runs `verify` in its turn; resolves with its result once any hold is over. Logins of one
     * address and id keep their order.
     */
    run<T>(address: string, id: string, verify: () => Promise<T>, holdMs: (result: T) => number): Promise<T> {
      const key = `${address}\0${id}`;
      return new Promise<T>((resolve, reject) => {
        const finish = () => {
          verifying.delete(address);
          running -= 1;
        };
        const start = () => {
          verify().then((result) => {
            finish();
            const ms = holdMs(result);
            if (ms <= 0) {
              pump();
              return resolve(result);
            }
            held.add(key);
            pump();
            setTimeout(() => {
              held.delete(key);
              pump();
              resolve(result);
            }, ms).unref();
          }, (error: unknown) => {
            finish();
            pump();
            reject(error instanceof Error ? error : new Error(String(error)));
          });
        };
        const waiting = queues.get(address);
        if (waiting) waiting.push({ key, start });
        else queues.set(address, [{ key, start }]);
        pump();
      });
    },
    /** Logins waiting for their turn (for a test or a metric). */
    get waiting(): number {
      let total = 0;
      for (const waiting of queues.values()) total += waiting.length;
      return total;
    },
    /** Verifications running now. */
    get running(): number {
      return running;
    },
    /** The most verifications that ran at once since the gate was made. */
    get peak(): number {
      return peak;
    },
  };
}

export type LoginGate = ReturnType<typeof createLoginGate>;
