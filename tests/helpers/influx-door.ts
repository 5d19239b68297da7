import { connect, createServer, type Server, type Socket } from 'node:net';

export interface InfluxDoor {
  /** Where the platform finds InfluxDB: the door's own address. */
  readonly url: string;
  /** Every connection through the door fails at once, those kept alive too. */
  shut(): void;
  open(): void;
  close(): Promise<void>;
}

/** A TCP door to the run's influxd that a test shuts: InfluxDB away without stopping the influxd other tests share. */
export async function startInfluxDoor(target: URL): Promise<InfluxDoor> {
  const sockets = new Set<Socket>();
  let shut = false;
  const server: Server = createServer((socket) => {
    if (shut) return void socket.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    for (const [a, b] of [[socket, upstream], [upstream, socket]] as const) {
      sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    shut() {
      shut = true;
      destroyAll();
    },
    open() {
      shut = false;
    },
    close: () => new Promise<void>((resolve) => {
      destroyAll();
      server.close(() => resolve());
    }),
  };
}
