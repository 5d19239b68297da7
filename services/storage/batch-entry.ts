/** One point on its way to InfluxDB, with whom it counts for. */
export interface BatchEntry {
  /** The reading's family; absent for points that are not readings (device status). */
  readonly family?: string;
  /** One encoded line of line protocol, or `readings` lines joined by `\n` (a spool record's block). */
  readonly line: string;
  /**
   * How many lines `line` holds; absent means one. The drainer passes a spool record's lines
   * through as one block, so that a 5,000-line write is a few hundred strings, not 5,000.
   */
  readonly readings?: number;
  /** The device and the hour it was received in (accounting). */
  readonly device?: string;
  readonly hour?: number;
}

/** An entry's lines one by one (a block is split again to isolate a refused line). */
export function splitBlock(entry: BatchEntry): BatchEntry[] {
  if ((entry.readings ?? 1) <= 1) return [entry];
  return entry.line.split('\n').map((line) => ({ family: entry.family, device: entry.device, hour: entry.hour, line, readings: 1 }));
}

/** The readings a batch holds: the lines of its entries. */
export function readingsIn(batch: readonly BatchEntry[]): number {
  let readings = 0;
  for (const entry of batch) readings += entry.readings ?? 1;
  return readings;
}
