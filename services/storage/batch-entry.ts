/** One point on its way to InfluxDB, with whom it counts for. */
export interface BatchEntry {
  /** The reading's family; absent for points that are not readings (device status). */
  readonly family?: string;
  /** One encoded line of line protocol. */
  readonly line: string;
  /** The device and the hour it was received in (accounting). */
  readonly device?: string;
  readonly hour?: number;
}
