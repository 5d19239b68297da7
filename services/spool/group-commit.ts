export interface GroupCommitOptions<T> {
  /** The longest an item waits for company before its group is committed. */
  readonly windowMs: number;
  /** Commits one group; settles each item's own promise and never rejects. */
  readonly commit: (group: T[]) => Promise<void>;
}

export interface GroupCommit<T> {
  add(item: T): void;
  /** Commits everything added so far, without waiting for the window. */
  drain(): Promise<void>;
}

interface Timer {
  readonly immediate: boolean;
  cancel(): void;
}

/**
 * Decides when a group of appends is committed. One commit runs at a time; items
 * added meanwhile form the next group, which is committed when the window since
 * the previous commit started has passed, or sooner, as soon as as many items
 * are waiting as the previous group held: callers that await each append (a
 * device waiting for its PUBACK) are then all back, and waiting longer would only
 * add latency. After an idle spell the first item goes out at the next turn of
 * the event loop, together with whatever else that turn added.
 */
export function createGroupCommit<T>(options: GroupCommitOptions<T>): GroupCommit<T> {
  let queue: T[] = [];
  let timer: Timer | null = null;
  let running: Promise<void> | null = null;
  let lastStart = -Infinity;
  let lastGroupSize = 0;

  function start(): void {
    timer = null;
    lastStart = performance.now();
    const group = queue;
    queue = [];
    lastGroupSize = group.length;
    running = options.commit(group).finally(() => {
      running = null;
      schedule();
    });
  }

  function schedule(): void {
    if (running || queue.length === 0) return;
    const due = queue.length >= lastGroupSize ? 0 : Math.max(0, lastStart + options.windowMs - performance.now());
    if (timer && (timer.immediate || due >= 1)) return;
    timer?.cancel();
    if (due < 1) {
      const id = setImmediate(start);
      timer = { immediate: true, cancel: () => clearImmediate(id) };
    } else {
      const id = setTimeout(start, due);
      timer = { immediate: false, cancel: () => clearTimeout(id) };
    }
  }

  return {
    add(item) {
      queue.push(item);
      schedule();
    },
    async drain() {
      while (running || queue.length > 0) {
        if (!running) {
          timer?.cancel();
          start();
        }
        await running;
      }
    },
  };
}
