import { connect, type Socket } from 'node:net';
import { createFramer } from '../services/hj212/framer.ts';

/**
 * A station's end of an HJ 212 TCP connection (simulated stations, tests, the bench): frames
 * go out as given, the platform's answers come back framed (9014, 9013) in order.
 */
export interface StationConnection {
  readonly socket: Socket;
  send(frame: Buffer): void;
  /** The next answer's frame (with CR LF) as text; rejects if the connection closes first. */
  nextReply(): Promise<string>;
  /** Answers received and not yet taken. */
  readonly waiting: number;
  close(): Promise<void>;
}

export async function connectStation(url: { host: string; port: number }, options: { localAddress?: string } = {}): Promise<StationConnection> {
  const socket = connect({ host: url.host, port: url.port, noDelay: true, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const framer = createFramer({ maxSegmentBytes: 9_999 });
  const replies: string[] = [];
  const waiters: Array<{ resolve: (reply: string) => void; reject: (error: Error) => void }> = [];
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    for (const event of framer.push(chunk)) {
      if (event.kind !== 'frame') continue;
      const text = event.frame.raw.toString('utf8');
      const waiter = waiters.shift();
      if (waiter) waiter.resolve(text);
      else replies.push(text);
    }
  });
  socket.on('error', () => undefined);
  socket.once('close', () => {
    closed = true;
    for (const waiter of waiters.splice(0)) waiter.reject(new Error('HJ 212 connection closed before an answer'));
  });
  return {
    socket,
    send: (frame) => void socket.write(frame),
    nextReply() {
      const ready = replies.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      if (closed) return Promise.reject(new Error('HJ 212 connection closed'));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    get waiting() {
      return replies.length;
    },
    close: () => new Promise<void>((resolve) => {
      if (closed) return resolve();
      socket.once('close', () => resolve());
      socket.end();
    }),
  };
}

/** `tcp://host:port` (PlatformEndpoints.hj212Url) as connect() wants it. */
export function parseStationUrl(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  // WHATWG URL keeps an IPv6 literal's brackets in hostname (`[::1]`), which net.connect cannot read.
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port) };
}
