import type { ServerResponse } from 'node:http';
import { constants, createGzip, type Gzip } from 'node:zlib';

/** Where one client's event text goes: straight to its socket, or through its own gzip stream. */
export interface StreamWriter {
  write(text: string): void;
  /** Bytes written but not yet on the wire (the client's only queue). */
  readonly unsent: number;
  end(): void;
  destroy(): void;
}

// Issue 21 item 5: one deflate window per connection, so a device id or key sent a second ago is a
// back-reference now. 2^14 window and memLevel 7 hold ~128 KB of zlib state per client (the
// defaults take ~256 KB): enough to reach back over the last few events.
const gzipOptions = { level: 6, windowBits: 14, memLevel: 7 } as const;

export function createStreamWriter(res: ServerResponse, gzip: boolean): StreamWriter {
  if (!gzip) {
    return {
      write: (text) => { res.write(text); },
      get unsent() { return res.writableLength; },
      end: () => res.end(),
      destroy: () => res.destroy(),
    };
  }
  const zipped: Gzip = createGzip(gzipOptions);
  zipped.pipe(res);
  // A destroyed socket frees the zlib state at once, not when the collector gets to it.
  res.on('close', () => zipped.destroy());
  zipped.on('error', () => res.destroy());
  return {
    write(text) {
      zipped.write(text);
      // Z_SYNC_FLUSH puts the event on the wire now and keeps the window (Z_FULL_FLUSH, Node's default, would reset it).
      zipped.flush(constants.Z_SYNC_FLUSH);
    },
    get unsent() { return res.writableLength + zipped.writableLength + zipped.readableLength; },
    end: () => zipped.end(),
    destroy() {
      zipped.destroy();
      res.destroy();
    },
  };
}
