import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { WanxiangError } from '../errors.ts';

export interface HostCheckOptions {
  /** The address the API listens on (config http.host). */
  readonly listenHost: string;
  /** Further names this API is reached by (WX_HTTP_ALLOWED_HOSTS: a proxy's name, a compose service's). */
  readonly allowedHosts: readonly string[];
}

/** The name of a Host header without its port, lower case, no trailing dot; IPv6 literals unbracketed. */
export function hostName(header: string): string {
  const text = header.trim().toLowerCase();
  const name = text.startsWith('[') ? text.slice(1, text.indexOf(']') === -1 ? undefined : text.indexOf(']')) : text.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

/**
 * The names a request may be addressed to: any IP literal (a page on attacker.example that
 * rebinds its name to 127.0.0.1 still sends `Host: attacker.example`, never an IP), localhost,
 * this machine's name, the listening address and the configured names.
 */
export function createHostAllowList(options: HostCheckOptions): (header: string | undefined) => boolean {
  const names = new Set(['localhost', hostname().toLowerCase(), options.listenHost.toLowerCase(), ...options.allowedHosts.map((name) => hostName(name))]);
  return (header) => {
    // HTTP/1.0 without a Host: no browser sends that, so no rebinding page does.
    if (header === undefined) return true;
    const name = hostName(header);
    return isIP(name) !== 0 || names.has(name);
  };
}

/**
 * DNS rebinding (issue 18 item 16): a page the operator opens on attacker.example rebinds that
 * name to the platform's address and reads the open API with the operator's browser. Its requests
 * carry `Host: attacker.example`; they are refused with 421 Misdirected Request (RFC 9110 §15.5.20)
 * before anything else is looked at.
 */
export function registerHostCheck(app: FastifyInstance, options: HostCheckOptions): void {
  const allowed = createHostAllowList(options);
  app.addHook('onRequest', async (request) => {
    if (allowed(request.headers.host)) return;
    throw new WanxiangError('WX_ERR_HOST_NOT_ALLOWED', `this API does not answer for the host ${JSON.stringify(hostName(request.headers.host ?? '').slice(0, 100))}; add it to WX_HTTP_ALLOWED_HOSTS if it is this platform's name`);
  });
}

/**
 * Nothing this API answers is cached by a browser or a proxy unless the route says otherwise (the
 * screen's files do): a rotated secret, a session's status, an authenticated read (item 19).
 */
export function registerNoStore(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
