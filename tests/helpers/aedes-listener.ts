import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import type { Aedes } from 'aedes';

/** A listening aedes: its address, and close() that closes aedes, then its server. */
export interface AedesListener {
  readonly url: string;
  close(): Promise<void>;
}

/** Opens `aedes` (aedes.listen()) and serves it over TCP on a free port of 127.0.0.1. */
export async function listenAedes(aedes: Aedes): Promise<AedesListener> {
  await aedes.listen();
  const server = createServer((socket) => aedes.handle(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
