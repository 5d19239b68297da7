/** A device's newest accepted reading as the live view keeps it (seeded from InfluxDB at start). */
export interface LatestReading {
  readonly timeMs: number;
  readonly receivedAtMs: number;
  readonly values: Readonly<Record<string, number>>;
}
