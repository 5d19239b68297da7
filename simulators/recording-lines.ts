import { WanxiangError } from '../services/errors.ts';

/**
 * What a recording may hold. A recording is input from anyone (a file handed over, a download):
 * red team 6's held one line of 700 MB (3 MB compressed), which readline gathered whole until
 * V8's string limit ended the replay as WX_ERR_INTERNAL after 670 MB of memory.
 */
export interface RecordingLimits {
  /** One line is one message: a 16 MiB payload (mqtt.maxPayloadBytes' most) takes 22 MiB as base64. */
  readonly maxLineBytes: number;
  /** Uncompressed bytes of the whole file, for a reader that keeps every line (loadRecording). */
  readonly maxBytes: number;
  /** Lines of the whole file, for the same reader: a small line still costs an object in memory. */
  readonly maxLines: number;
}

const mib = 1024 * 1024;

/** A district day is 4 MiB and 20,000 lines (seeds/recordings/district-day.ndjson.gz): these hold 250 of them. */
export const recordingLimits: RecordingLimits = { maxLineBytes: 32 * mib, maxBytes: 1024 * mib, maxLines: 5_000_000 };

const size = (bytes: number) => (bytes >= mib ? `${bytes / mib} MiB` : `${bytes} bytes`);

/**
 * Splits a byte stream into lines at LF (a CR before it dropped), decoded as UTF-8, and refuses
 * (WX_ERR_RECORDING_TOO_LARGE, naming the line) a line, a file or a count beyond `limits` as soon
 * as it gets there, before the line is gathered. A last line without its LF is yielded too.
 */
export async function* recordingLines(input: AsyncIterable<Buffer>, path: string, limits: RecordingLimits): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let total = 0;
  let number = 0;
  const refuse = (what: string) => new WanxiangError('WX_ERR_RECORDING_TOO_LARGE', `${path}:${number + 1}: ${what}: the recording is refused`, { value: number + 1 });
  const line = (last: Buffer) => {
    if (number >= limits.maxLines) throw refuse(`more than ${limits.maxLines} lines`);
    number += 1;
    const bytes = pending.length === 0 ? last : Buffer.concat([...pending, last]);
    pending = [];
    pendingBytes = 0;
    const text = bytes.toString('utf8');
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of input) {
    total += chunk.length;
    if (total > limits.maxBytes) throw refuse(`the file holds more than ${size(limits.maxBytes)} uncompressed`);
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      if (pendingBytes + end - start > limits.maxLineBytes) throw refuse(`a line longer than ${size(limits.maxLineBytes)}`);
      yield line(chunk.subarray(start, end));
      start = end + 1;
    }
    if (pendingBytes + chunk.length - start > limits.maxLineBytes) throw refuse(`a line longer than ${size(limits.maxLineBytes)}`);
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
    }
  }
  if (pendingBytes > 0) yield line(Buffer.alloc(0));
}
