/** A level-less wake-up: wait() resolves at the next wake(); callers re-check their condition. */
export interface Signal {
  wait(): Promise<void>;
  wake(): void;
}

export function createSignal(): Signal {
  let waiters: Array<() => void> = [];
  return {
    wait() {
      return new Promise((resolve) => waiters.push(resolve));
    },
    wake() {
      const woken = waiters;
      waiters = [];
      for (const resolve of woken) resolve();
    },
  };
}
