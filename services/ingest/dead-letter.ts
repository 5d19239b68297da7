import { createWriteStream, existsSync, fstatSync, mkdirSync, openSync, renameSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface DeadLetterRecord {
  readonly at: string;
  readonly code: string;
  readonly message: string;
  readonly device?: string;
  readonly topic?: string;
  readonly index?: number;
  /** The raw payload: UTF-8 when it is text, base64 otherwise; cut at the configured size. */
  readonly payload?: string;
  readonly payloadEncoding?: 'utf8' | 'base64';
  readonly payloadBytes?: number;
  readonly truncated?: boolean;
}

export interface DeadLetterFile {
  readonly path: string;
  append(record: DeadLetterRecord): void;
  /** One record already serialised as JSON (no line break). */
  appendLine(json: string): void;
  close(): Promise<void>;
}

export interface DeadLetterOptions {
  readonly dir: string;
  readonly maxFileBytes: number;
  readonly maxFiles: number;
  /**
   * Told when a record could not be written (ENOSPC, EIO, EACCES...): the record is lost, the
   * refusal itself is still counted. Without it a write error was an 'error' event nobody heard,
   * and the first refusal on a full disk killed the platform (red team 11).
   */
  readonly onError?: (error: Error) => void;
}

/** Renders a payload for the dead-letter file without ever growing past `maxBytes`. */
export function describePayload(payload: Buffer, maxBytes: number): Pick<DeadLetterRecord, 'payload' | 'payloadEncoding' | 'payloadBytes' | 'truncated'> {
  const slice = payload.subarray(0, maxBytes);
  const text = slice.toString('utf8');
  const isText = !text.includes('\uFFFD') || payload.length > maxBytes;
  return {
    payload: isText ? text : slice.toString('base64'),
    payloadEncoding: isText ? 'utf8' : 'base64',
    payloadBytes: payload.length,
    truncated: payload.length > maxBytes,
  };
}

/**
 * An append-only NDJSON file of rejected messages, rotated by size:
 * dead-letter.ndjson → dead-letter.1.ndjson → ... up to maxFiles, the oldest dropped.
 */
export function createDeadLetterFile(options: DeadLetterOptions): DeadLetterFile {
  const path = join(options.dir, 'dead-letter.ndjson');
  let stream: WriteStream | undefined;
  let size = 0;
  let closed = false;
  const pending: Promise<void>[] = [];

  /** A failed write: said, and the stream dropped, so that the next record opens the file afresh (once space returns). */
  function failed(failedStream: WriteStream | undefined, error: Error): void {
    if (failedStream !== undefined && stream === failedStream) stream = undefined;
    options.onError?.(error);
  }

  function open(): WriteStream {
    // 0700 / 0600: refused payloads are the devices' raw data (issue 18, item 17).
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    // Opened synchronously so that the file exists at once: a rotation right after
    // (a burst of rejections) must find it to rename, and the descriptor follows the rename.
    const fd = openSync(path, 'a', 0o600);
    size = fstatSync(fd).size;
    const opened = createWriteStream(path, { fd });
    opened.on('error', (error) => failed(opened, error));
    return opened;
  }

  function rotate(): void {
    const old = stream!;
    pending.push(new Promise((resolve) => old.end(resolve)));
    // Renaming an open file is safe on POSIX: the old stream keeps writing to the moved file.
    for (let n = options.maxFiles - 1; n >= 1; n -= 1) {
      const from = n === 1 ? path : join(options.dir, `dead-letter.${n - 1}.ndjson`);
      if (existsSync(from)) renameSync(from, join(options.dir, `dead-letter.${n}.ndjson`));
    }
    stream = open();
  }

  function appendLine(json: string): void {
    // Called where a refusal is decided (the broker's publish check, the HJ 212 door): a file that
    // cannot be opened or rotated loses this record, never the caller's work or the process.
    // Closed, the data folder is no longer this run's to write (its lock is released next): a refusal
    // decided while the platform stops (a station's frame as its socket is torn down) reopened the
    // file after close, and wrote into a folder another start could hold by then.
    if (closed) return failed(undefined, new Error(`${path} is closed: the platform is stopping, the record is not written`));
    try {
      stream ??= open();
      const line = `${json}\n`;
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > options.maxFileBytes) rotate();
      size += bytes;
      stream.write(line);
    } catch (error) {
      failed(undefined, error as Error);
    }
  }

  return {
    path,
    append: (record) => appendLine(JSON.stringify(record)),
    appendLine,
    async close() {
      closed = true;
      if (stream) {
        const last = stream;
        stream = undefined;
        await new Promise<void>((resolve) => last.end(resolve));
      }
      await Promise.all(pending);
    },
  };
}
