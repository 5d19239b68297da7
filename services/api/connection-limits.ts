import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { addressKey, createExemption } from '../address-key.ts';
import { errorCatalogue } from '../errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { securityHeaders } from './auth.ts';
import { answerClientError } from './framework-errors.ts';

export interface ConnectionLimits {
  /** A connection silent this long while the platform waits for it (before its first request, in the middle of a body) is closed. */
  readonly clientIdleMs: number;
  /** HTTP connections one address may hold at once. */
  readonly perAddress: number;
  /** Addresses the per-address cap does not apply to (loopback by default: config http.connectionLimitExempt). */
  readonly exempt: readonly string[];
}

/** Node's HTTP server options for a request timeout: the head within it too, and checked often enough to hold it. */
export function requestTimeoutOptions(requestTimeoutMs: number): { requestTimeout: number; http: { headersTimeout: number; connectionsCheckingInterval: number } } {
  // Node checks its timeouts every connectionsCheckingInterval (30 s by default): a tenth of the bound
  // keeps a slow request's close within 1.1 times it.
  return { requestTimeout: requestTimeoutMs, http: { headersTimeout: Math.min(60_000, requestTimeoutMs), connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(requestTimeoutMs / 10))) } };
}

const tooMany = () => {
  const body = JSON.stringify({ code: 'WX_ERR_TOO_MANY_CONNECTIONS', message: `${errorCatalogue.WX_ERR_TOO_MANY_CONNECTIONS.summary} (HTTP): close some, or ask for http.connectionsPerAddress to be raised` });
  const headers = { ...securityHeaders, 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'retry-after': '10', connection: 'close' };
  return `HTTP/1.1 429 Too Many Requests\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n${body}`;
};

/**
 * Slow clients (red team, HTTP pass): `content-length: 4000`, then a byte every 20 s, held a
 * connection for ever, 200 of them from one address. Node's requestTimeout (build-api.ts) bounds a
 * request's head and body; here, a connection silent while the platform waits for it (before its
 * first request, in a body) is closed after clientIdleMs, and one address holds at most perAddress
 * connections. Once a request is read, the socket's idle timer is off: an answer that takes long,
 * and an event stream, are never cut by it (after an answer Node's keep-alive timeout takes over).
 */
export function registerConnectionLimits(app: FastifyInstance, limits: ConnectionLimits, metrics?: Metrics): void {
  const exempt = createExemption(limits.exempt);
  const held = new Map<string, number>();
  const refused = new WeakSet<Socket>();

  // Node's HTTP server took the connection first (its listener is the server's own): it closes a
  // socket whose idle timer runs out before a request came, silently, as nothing was asked.
  app.server.on('connection', (socket: Socket) => {
    // Counted per address key (an IPv6 /64 is one client: address-key.ts), spared by the exact address.
    const address = addressKey(socket.remoteAddress);
    if (!exempt(socket.remoteAddress)) {
      const count = held.get(address) ?? 0;
      if (count >= limits.perAddress) {
        // Answered, then closed: the client learns why instead of meeting a reset. The grace lets
        // the answer leave before the close (a close with unread bytes resets the connection).
        refused.add(socket);
        metrics?.httpConnectionsClosed.inc({ reason: 'per_address' });
        socket.end(tooMany());
        setTimeout(() => socket.destroy(), 1_000).unref();
        return;
      }
      held.set(address, count + 1);
      socket.once('close', () => {
        const left = (held.get(address) ?? 1) - 1;
        if (left > 0) held.set(address, left);
        else held.delete(address);
      });
    }
    socket.setTimeout(limits.clientIdleMs);
  });

  // Registered before every other hook: a refused connection's request meets nothing else.
  app.addHook('onRequest', async (request, reply) => {
    const socket = request.raw.socket as Socket | undefined;
    // inject() (light-my-request) has no socket of its own to time.
    if (!socket || typeof socket.setTimeout !== 'function') return;
    if (refused.has(socket)) return reply.hijack();
    const hasBody = (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0') || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody || request.raw.complete) {
      socket.setTimeout(0);
      return;
    }
    // The body: silent for clientIdleMs, 408 and closed (Node asks the request first, socketOnTimeout).
    socket.setTimeout(limits.clientIdleMs);
    request.raw.once('timeout', () => {
      metrics?.httpConnectionsClosed.inc({ reason: 'idle' });
      answerClientError(Object.assign(new Error('a body stood still for http.clientIdleMs'), { code: 'WX_BODY_IDLE' }), socket);
    });
    // Read whole while the answer is still to come: no idle bound on the work. A body drained after
    // the answer (a refused request's) leaves the timer to Node's keep-alive timeout.
    request.raw.once('end', () => {
      if (!reply.raw.writableEnded) socket.setTimeout(0);
    });
  });
}
