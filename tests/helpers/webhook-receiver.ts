import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver took: its path and its JSON body. */
export interface ReceivedHook<Body = Record<string, unknown>> {
  readonly path: string;
  readonly body: Body;
}

/** A department's (or any) webhook receiver on port 0: it keeps what it is sent, per path. */
export async function startWebhookReceiver<Body = Record<string, unknown>>() {
  const received: Array<ReceivedHook<Body>> = [];
  let waiters: Array<() => void> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '/', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}');
      const woken = waiters;
      waiters = [];
      woken.forEach((wake) => wake());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    /** The first hook that passes the test, received before or after the call; rejects after `timeoutMs` with none. */
    async waitFor(test: (hook: ReceivedHook<Body>) => boolean, timeoutMs = 15_000): Promise<ReceivedHook<Body>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(test);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no such webhook call within ${timeoutMs} ms (${received.length} received)`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
