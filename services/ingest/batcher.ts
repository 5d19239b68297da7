export interface BatchEntry {
  /** The reading's family; absent for points that are not readings (device status). */
  readonly family?: string;
  /** One encoded line of line protocol. */
  readonly line: string;
  /** Whom it is counted for: the device and the hour it was received in (accounting). */
  readonly device?: string;
  readonly hour?: number;
}

export interface Batcher {
  add(entries: readonly BatchEntry[]): void;
  /** Entries waiting for the next flush. */
  readonly buffered: number;
  flush(): void;
  close(): void;
}

/**
 * Groups entries into batches by size and by time: a batch leaves when it holds
 * `batchSize` entries or when its first entry has waited `flushIntervalMs`.
 */
export function createBatcher(options: { batchSize: number; flushIntervalMs: number; onBatch: (batch: BatchEntry[]) => void }): Batcher {
  let buffer: BatchEntry[] = [];
  let timer: NodeJS.Timeout | undefined;

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    options.onBatch(batch);
  }

  return {
    get buffered() {
      return buffer.length;
    },
    add(entries) {
      for (const entry of entries) {
        buffer.push(entry);
        if (buffer.length >= options.batchSize) flush();
      }
      if (buffer.length > 0 && !timer) timer = setTimeout(flush, options.flushIntervalMs);
    },
    flush,
    close() {
      flush();
    },
  };
}
