import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorCatalogue, type ErrorCode } from '../errors.ts';
import { securityHeaders } from './auth.ts';

/**
 * Fastify's own refusals (a body too large, a media type no parser takes, a body that is not JSON)
 * in the catalogue's terms, each with its own status and code, never WX_ERR_NOT_FOUND (issue 18
 * item 20). Null for anything that is not a client error: that one is a 500, logged.
 */
export function answerFrameworkError(error: unknown): { status: number; code: ErrorCode; message: string } | null {
  const { statusCode: status, code, message } = error as { statusCode?: number; code?: string; message?: string };
  if (!status || status < 400 || status >= 500) return null;
  const text = String(message ?? '').slice(0, 200);
  if (status === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'WX_ERR_PAYLOAD_TOO_LARGE', message: 'the body is larger than this route takes' };
  if (status === 415 || code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, code: 'WX_ERR_UNSUPPORTED_MEDIA_TYPE', message: 'the body’s content type is not one this route reads (application/json for the API’s bodies)' };
  if (status === 404) return { status, code: 'WX_ERR_NOT_FOUND', message: text };
  // The static files' refusal of a path out of their folder (`/docs/static/../../package.json`):
  // answered as what it is to the caller, no such file, rather than a bad argument (red team 11).
  if (status === 403) return { status: 404, code: 'WX_ERR_NOT_FOUND', message: 'no such file' };
  return { status, code: 'WX_ERR_INVALID_ARGUMENT', message: text };
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals, before any route or hook runs. Left to
 * Fastify they answered `{"error":"Bad Request","code":"FST_ERR_BAD_URL","message":"'<the path>' is
 * not a valid url component"}` (and FST_ERR_MAX_PARAM_LENGTH with 414): codes outside the catalogue,
 * with the request's own text echoed back (issue 18 item 20's rule). Answered here with a code and
 * never the path; anything else Fastify sends this way (an async constraint's failure) is a 500.
 * The Host check does not run either: the answer holds nothing a rebinding page could want.
 */
export function answerRouterRefusal(error: unknown, _request: FastifyRequest, reply: FastifyReply): 'WX_ERR_BAD_TARGET' | 'WX_ERR_INTERNAL' {
  const { code } = error as { code?: string };
  // No hook runs for these answers: the headers every other answer gets from its onSend hooks, here.
  reply.headers({ ...securityHeaders, 'cache-control': 'no-store' });
  if (code === 'FST_ERR_BAD_URL' || code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(400).send({ code: 'WX_ERR_BAD_TARGET', message: errorCatalogue.WX_ERR_BAD_TARGET.summary });
    return 'WX_ERR_BAD_TARGET';
  }
  void reply.code(500).send({ code: 'WX_ERR_INTERNAL', message: errorCatalogue.WX_ERR_INTERNAL.summary });
  return 'WX_ERR_INTERNAL';
}

/** Node's parser refusals (llhttp's codes) and timeouts, each to its catalogue code. */
function clientErrorCode(error: { code?: string }): 'WX_ERR_REQUEST_TIMEOUT' | 'WX_ERR_HEADERS_TOO_LARGE' | 'WX_ERR_BAD_REQUEST' {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'WX_BODY_IDLE') return 'WX_ERR_REQUEST_TIMEOUT';
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'WX_ERR_HEADERS_TOO_LARGE';
  return 'WX_ERR_BAD_REQUEST';
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (a lowercase method, a
 * `Content-Length: abc`, headers too large) or a request that timed out, before any route or hook
 * runs. Fastify's default wrote `{"error":"Bad Request",...}` with no code and none of the headers
 * every other answer carries (red team, HTTP pass). Written raw, as Node does: there is no request
 * to answer through, only the socket, which is closed after.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): ErrorCode | null {
  // A reset connection has no one to answer; a response already begun on it cannot take another head.
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (error.code === 'ECONNRESET' || socket.destroyed) return null;
  const code = clientErrorCode(error);
  if (socket.writable && !started) {
    const { status, summary } = errorCatalogue[code];
    const body = JSON.stringify({ code, message: summary });
    const headers = { ...securityHeaders, 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy();
  return code;
}
