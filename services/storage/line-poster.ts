import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** An HTTP answer as the InfluxDB client reads it (fetch's Response fits it too). */
export interface Answer {
  readonly status: number;
  readonly ok: boolean;
  text(): Promise<string>;
}

export interface LinePoster {
  /** POSTs line protocol (an array: its items joined by line breaks); resolves with the answer, rejects on a network, timeout or HTTP-parser failure. */
  post(url: string, lines: string | readonly string[]): Promise<Answer>;
}

/** The body as one Buffer: an array's items are encoded into it at their offsets, `\n` between. */
export function encodeBody(lines: string | readonly string[]): Buffer {
  if (typeof lines === 'string') return Buffer.from(lines, 'utf8');
  let bytes = Math.max(0, lines.length - 1);
  for (const line of lines) bytes += Buffer.byteLength(line, 'utf8');
  const body = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < lines.length; i += 1) {
    if (i > 0) body[at++] = 0x0a;
    at += body.write(lines[i]!, at, 'utf8');
  }
  return body;
}

/**
 * Line protocol POSTed with node:http on kept-alive connections: the body is encoded once into
 * a Buffer and written as it is. fetch (undici) pushes every body through web streams, which
 * copy and re-chunk it; on the drainer's path that cost a few % of the event loop at full rate.
 * A failure keeps the shape the client sorts by: `code` (ECONNREFUSED, HPE_*, ...) on the error.
 */
export function createLinePoster(options: { headers: Readonly<Record<string, string>>; timeoutMs: number }): LinePoster {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return {
    post(url, lines) {
      const body = encodeBody(lines);
      const secure = url.startsWith('https:');
      const send = secure ? httpsRequest : httpRequest;
      return new Promise<Answer>((resolve, reject) => {
        const request = send(url, {
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          headers: { ...options.headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length },
          signal: AbortSignal.timeout(options.timeoutMs),
        }, (response: IncomingMessage) => {
          const status = response.statusCode ?? 0;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.once('error', reject);
          response.once('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status, ok: status >= 200 && status < 300, text: () => Promise.resolve(text) });
          });
        });
        request.once('error', reject);
        request.end(body);
      });
    },
  };
}
