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

type Handle = (stream: Duplex, address: string | undefined) => void;

/**
 * The broker's listeners: MQTT on TCP and TLS, MQTT over WebSocket with and without TLS.
 * Each hands its connections to `handle` with the client's address.
 */
export function createListeners(config: Config['mqtt'], handle: Handle, frames: { maxBytes: number; connectMaxBytes: number; onOversize: (declaredBytes: number, address: string | undefined) => void }) {
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
    wss.on('connection', (socket, request) => {
      const address = request.socket.remoteAddress;
      handle(limitFrames(createWebSocketStream(socket), frames.maxBytes, (declared) => frames.onOversize(declared, address), frames.connectMaxBytes), address);
    });
    return server;
  }

  const upgradeOnly = (_request: unknown, response: { writeHead(status: number): { end(text: string): void } }) => response.writeHead(426).end('MQTT over WebSocket only\n');

  return {
    async start(): Promise<ListenerPorts> {
      const limited = (socket: Socket) => limitFrames(socket, frames.maxBytes, (declared) => frames.onOversize(declared, socket.remoteAddress), frames.connectMaxBytes);
      const mqttPort = await listen(createTcpServer((socket: Socket) => handle(limited(socket), socket.remoteAddress)), config.port);
      const wsPort = config.wsPort >= 0 ? await listen(webSocket(createHttpServer(upgradeOnly)), config.wsPort) : null;
      let tlsPort: number | null = null;
      let wssPort: number | null = null;
      if (config.tls) {
        const credentials = { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
        tlsPort = await listen(createTlsServer(credentials, (socket) => handle(limited(socket), socket.remoteAddress)), config.tls.port);
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
