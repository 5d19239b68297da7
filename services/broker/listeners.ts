import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { limitFrames } from './frame-limit.ts';
import type { Config } from '../config.ts';

export interface ListenerPorts {
  readonly mqttPort: number;
  readonly wsPort: number | null;
  readonly tlsPort: number | null;
  readonly wssPort: number | null;
}

type Handle = (stream: Duplex, address: string | undefined, socket: Socket) => void;

/** How long a WebSocket port's connection may take to ask for its upgrade (then MQTT's own CONNECT deadline holds). */
const upgradeWithinMs = 10_000;

/**
 * The broker's listeners: MQTT on TCP and TLS, MQTT over WebSocket with and without TLS.
 * Every TCP connection is first put to `admit` (the connection slots), before any TLS handshake or
 * HTTP upgrade: a WebSocket port once took connections without a cap and kept them idle for good
 * (3,000 from one address held 3,000 file descriptors, red team 4). The admitted ones are handed
 * to `handle` with the client's address and their TCP socket.
 */
export function createListeners(config: Config['mqtt'], admit: (socket: Socket) => boolean, handle: Handle, frames: { maxBytes: number; connectMaxBytes: number; onOversize: (declaredBytes: number, address: string | undefined) => void }) {
  const servers: Array<TcpServer | HttpServer> = [];
  const sockets: WebSocketServer[] = [];

  async function listen(server: TcpServer | HttpServer, port: number): Promise<number> {
    servers.push(server);
    server.listen(port, config.host);
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  function webSocket(server: HttpServer): HttpServer {
    // ws refuses an oversize WebSocket message itself (close code 1009) before buffering it; an
    // MQTT packet can span many messages, so the MQTT byte stream inside is limited as TCP's is
    // (issue 18, item 4: a CONNECT announcing 255 MiB in 300 KB messages grew the heap).
    const wss = new WebSocketServer({ server, maxPayload: frames.maxBytes });
    sockets.push(wss);
    server.on('connection', (socket: Socket) => {
      if (!admit(socket)) return;
      socket.setTimeout(upgradeWithinMs, () => socket.destroy());
    });
    wss.on('connection', (socket, request) => {
      const address = request.socket.remoteAddress;
      request.socket.setTimeout(0);
      handle(limitFrames(createWebSocketStream(socket), frames.maxBytes, (declared) => frames.onOversize(declared, address), frames.connectMaxBytes), address, request.socket as Socket);
    });
    return server;
  }

  /** TLS: admitted on its TCP connection, before the handshake; the TLS socket is found again by its remote end. */
  function tlsServer(credentials: { cert: Buffer; key: Buffer }) {
    const admitted = new Map<string, Socket>();
    const endOf = (socket: { remoteAddress?: string; remotePort?: number }) => `${socket.remoteAddress}|${socket.remotePort}`;
    const server = createTlsServer({ ...credentials, handshakeTimeout: upgradeWithinMs }, (secure) => {
      const socket = admitted.get(endOf(secure));
      admitted.delete(endOf(secure));
      if (!socket) return void secure.destroy();
      handle(limited(secure), secure.remoteAddress, socket);
    });
    server.on('connection', (socket: Socket) => {
      if (!admit(socket)) return;
      const end = endOf(socket);
      admitted.set(end, socket);
      socket.once('close', () => {
        if (admitted.get(end) === socket) admitted.delete(end);
      });
    });
    return server;
  }

  const limited = (socket: Socket) => limitFrames(socket, frames.maxBytes, (declared) => frames.onOversize(declared, socket.remoteAddress), frames.connectMaxBytes);

  const upgradeOnly = (_request: unknown, response: { writeHead(status: number): { end(text: string): void } }) => response.writeHead(426).end('MQTT over WebSocket only\n');

  return {
    async start(): Promise<ListenerPorts> {
      const mqttPort = await listen(createTcpServer((socket: Socket) => {
        if (admit(socket)) handle(limited(socket), socket.remoteAddress, socket);
      }), config.port);
      const wsPort = config.wsPort >= 0 ? await listen(webSocket(createHttpServer(upgradeOnly)), config.wsPort) : null;
      let tlsPort: number | null = null;
      let wssPort: number | null = null;
      if (config.tls) {
        const credentials = { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
        tlsPort = await listen(tlsServer(credentials), config.tls.port);
        if (config.tls.wssPort >= 0) wssPort = await listen(webSocket(createHttpsServer(credentials, upgradeOnly) as unknown as HttpServer), config.tls.wssPort);
      }
      return { mqttPort, wsPort, tlsPort, wssPort };
    },
    async close(): Promise<void> {
      for (const wss of sockets) wss.close();
      await Promise.all(servers.filter((server) => server.listening).map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
