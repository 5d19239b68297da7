/** The live view's timings and the event stream's bounds. */
export interface LiveOptions {
  /** How often accepted readings are summarised onto the stream. */
  readonly flushMs: number;
  readonly tilesMs: number;
  readonly complianceMs: number;
  readonly heartbeatMs: number;
  readonly replayEvents: number;
  readonly replayBytes: number;
  readonly clientBufferBytes: number;
  readonly maxClients: number;
}

// Summaries go out every 500 ms: a reading is on the screen well inside the 2 s it is allowed, and
// every client's socket takes half the writes of a 250 ms tick (bench:sse: the writes to 200
// clients, not the summaries, are what the stream costs ingest). A heartbeat every 5 s: the wall
// takes a stream silent for 12 s as a hung platform and greys (services/screen/link.js, QUIET_MS).
export const defaultLiveOptions: LiveOptions = {
  flushMs: 500, tilesMs: 5_000, complianceMs: 60_000, heartbeatMs: 5_000,
  replayEvents: 2_000, replayBytes: 4 * 1024 * 1024, clientBufferBytes: 1024 * 1024, maxClients: 1_000,
};
