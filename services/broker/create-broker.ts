import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Config } from '../config.ts';
import type { ErrorCode } from '../errors.ts';
import type { Ingest } from '../ingest/create-ingest.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { Topics } from '../topics.ts';
import { createAccessControl } from './access-control.ts';

export interface BrokerDeps {
  readonly config: Config;
  readonly registry: DeviceRegistry;
  readonly topics: Topics;
  readonly ingest: Ingest;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface Broker {
  start(): Promise<{ mqttPort: number; wsPort: number | null }>;
  close(): Promise<void>;
  /** Publishes from the platform itself (commands to devices); routed to subscribers only. */
  publish(topic: string, payload: string | Buffer, options?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
}

/**
 * Refused and rejected messages are acknowledged and then not routed: MQTT 3.1.1 lets a
 * server "make a positive acknowledgement ... or close the Network Connection"
 * [MQTT-3.3.5-2]. Closing would make a QoS 1 client resend the same message on every
 * reconnect, so we acknowledge and move it to a topic nobody can subscribe to.
 */
const discardTopic = '$wanxiang/discarded';

function codeForClientError(error: Error): ErrorCode {
  return /is not allowed in PUBLISH/.test(error.message) ? 'WX_ERR_WILDCARD_PUBLISH' : 'WX_ERR_PROTOCOL';
}

/** The embedded aedes broker on TCP and WebSocket, with ingest in-process (no second socket hop). */
export function createBroker(deps: BrokerDeps): Broker {
  const { config, ingest, metrics, log } = deps;
  const now = deps.now ?? Date.now;
  const access = createAccessControl(deps);
  let aedes: Aedes | undefined;
  let tcp: TcpServer | undefined;
  let http: HttpServer | undefined;
  let wss: WebSocketServer | undefined;

  function discard(packet: PublishPacket): void {
    packet.topic = discardTopic;
    packet.retain = false;
  }

  function authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const decision = access.decidePublish(client, packet);
    if (!decision.allowed) {
      metrics.publishRefused.inc({ code: decision.code });
      const principal = client ? access.principal(client) : undefined;
      ingest.rejections.record({ code: decision.code, message: decision.message, readings: 1 }, { device: principal?.id ?? client?.id, topic: packet.topic.slice(0, 500), payload: Buffer.from(packet.payload) });
      discard(packet);
      return callback(null);
    }
    // Ingest before the PUBACK goes back: aedes acknowledges QoS 1 only after this callback.
    ingest.accept({ topic: packet.topic, payload: Buffer.from(packet.payload), receivedAtMs: now() }).then(
      (routed) => {
        if (!routed) discard(packet);
        callback(null);
      },
      (error: unknown) => {
        log.error({ err: error, topic: packet.topic }, 'ingest failed');
        discard(packet);
        callback(null);
      },
    );
  }

  async function listen(server: TcpServer | HttpServer, port: number): Promise<number> {
    server.listen(port, config.mqtt.host);
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  return {
    async start() {
      aedes = new Aedes({
        authenticate: access.authenticate,
        authorizePublish,
        authorizeSubscribe: access.authorizeSubscribe,
        drainTimeout: 30_000,
        maxTopicLevels: 16,
      });
      await aedes.listen();
      aedes.on('client', () => metrics.clientsConnected.inc());
      aedes.on('clientDisconnect', () => metrics.clientsConnected.dec());
      aedes.on('clientError', (client: Client, error: Error) => {
        const code = codeForClientError(error);
        if (code === 'WX_ERR_PROTOCOL' && /ECONNRESET|EPIPE|write after end/.test(error.message)) return;
        metrics.clientErrors.inc({ code });
        const principal = access.principal(client);
        if (code === 'WX_ERR_WILDCARD_PUBLISH') ingest.rejections.record({ code, message: error.message, readings: 1 }, { device: principal?.id ?? client.id });
        log.warn({ code, clientId: client.id }, error.message);
      });
      const handle = aedes.handle.bind(aedes);
      tcp = createTcpServer(handle);
      const mqttPort = await listen(tcp, config.mqtt.port);
      let wsPort: number | null = null;
      if (config.mqtt.wsPort >= 0) {
        http = createHttpServer((_request, response) => response.writeHead(426).end('MQTT over WebSocket only\n'));
        wss = new WebSocketServer({ server: http });
        wss.on('connection', (socket) => handle(createWebSocketStream(socket)));
        wsPort = await listen(http, config.mqtt.wsPort);
      }
      log.info({ mqttPort, wsPort }, 'broker listening');
      return { mqttPort, wsPort };
    },
    async close() {
      // aedes first: it ends every client, so the listeners can then close.
      if (aedes) await new Promise<void>((resolve) => aedes!.close(() => resolve()));
      wss?.close();
      for (const server of [http, tcp]) {
        if (server?.listening) await new Promise((resolve) => server.close(resolve));
      }
    },
    async publish(topic, payload, options = {}) {
      if (!aedes) throw new Error('broker not started');
      await new Promise<void>((resolve, reject) => aedes!.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: options.qos ?? 0, retain: options.retain ?? false, dup: false }, (error) => (error ? reject(error) : resolve())));
    },
  };
}
