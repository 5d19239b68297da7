import { connect } from 'node:net';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The body as sent (chunked framing left in): enough to look for what must not be there. */
  readonly body: string;
}

export interface RawRequest {
  readonly method?: string;
  /** The request target exactly as sent: no client normalises it (`/%61pi/v1/live`, `/x/../api`, `http://h/api`). */
  readonly target: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** The local address to connect from (127.0.0.2, ...: another client address on loopback). */
  readonly from?: string;
  /** For an event stream: resolve once a 200's head is in and keep the socket open (close() ends it); any other answer ends (Connection: close). */
  readonly keepOpen?: boolean;
}

/**
 * One HTTP/1.1 request over a raw TCP socket, so that the target reaches the server byte for byte
 * (fetch and http.request would resolve dot segments or re-encode). Resolves with the status and
 * headers; `close` ends a stream kept open.
 */
export function rawRequest(url: string, request: RawRequest): Promise<RawAnswer & { close(): void }> {
  const { hostname, port } = new URL(url);
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body);
  const headers: Record<string, string> = { host: `${hostname}:${port}`, connection: 'close', ...request.headers };
  if (body.length > 0 || request.method === 'POST') headers['content-length'] = String(body.length);
  const head = `${request.method ?? 'GET'} ${request.target} HTTP/1.1\r\n${Object.entries(headers).map(([key, value]) => `${key}: ${value}`).join('\r\n')}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ...(request.from ? { localAddress: request.from } : {}) }, () => {
      socket.write(head);
      if (body.length > 0) socket.write(body);
    });
    let text = '';
    let settled = false;
    const parse = (): RawAnswer | null => {
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return null;
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const fields: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        if (at > 0) fields[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      return { status: Number(statusLine.split(' ')[1]), headers: fields, body: text.slice(end + 4) };
    };
    const finish = (answer: RawAnswer) => {
      if (settled) return;
      settled = true;
      resolve({ ...answer, close: () => socket.destroy() });
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const answer = parse();
      // A stream that was let in: its head is enough (its body never ends).
      if (answer && request.keepOpen && answer.status === 200) finish(answer);
    });
    socket.on('end', () => {
      const answer = parse();
      if (answer) finish(answer);
      else if (!settled) reject(new Error(`no HTTP answer to ${request.target}: ${JSON.stringify(text.slice(0, 200))}`));
    });
    socket.on('close', () => {
      const answer = parse();
      if (answer) finish(answer);
    });
    socket.on('error', (error) => {
      if (!settled) reject(error);
    });
  });
}

/** Every spelling of a path that a router or a proxy might take for it, and some it must not. */
export function pathVariants(path: string): string[] {
  const segments = path.split('/').slice(1);
  const last = segments.length - 1;
  const encodeAll = (upper: boolean) => `/${segments.map((segment) => [...segment].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`).join('')).join('/')}`;
  const encodeFirst = `/%${segments[0]!.charCodeAt(0).toString(16)}${segments[0]!.slice(1)}/${segments.slice(1).join('/')}`;
  const encodeLastChar = `/${[...segments.slice(0, last), `${segments[last]!.slice(0, -1)}%${segments[last]!.charCodeAt(segments[last]!.length - 1).toString(16).toUpperCase()}`].join('/')}`;
  return [
    path, encodeFirst, encodeLastChar, encodeAll(false), encodeAll(true),
    `/${segments.join('%2F')}`, `/${segments.join('%2f')}`, path.replace(/\//g, '%2F'),
    path.toUpperCase(), path.replace(/^\/api/, '/API'), `/${segments.map((s) => s[0]!.toUpperCase() + s.slice(1)).join('/')}`,
    `/x/..${path}`, `/x/%2e%2e${path}`, `/%2e%2e${path}`, `/api/v1/./${segments.slice(2).join('/')}`, `/./${segments.join('/')}`,
    `/healthz/..${path}`, `/screen/..${path}`, `/api/v1/session/..${path.replace('/api/v1', '')}`,
    `/${path}`, `//${segments.join('//')}`, `${path}/`, `${path}//`, `${path}/.`, `${path}%20`, `${path}%00`, `${path};x=1`, `${path}%3Fx`, `${path}%23x`,
    `${path}?`, `${path}?/healthz`, `${path}?x=/api/v1/session`, `${path}#frag`,
    `http://127.0.0.1${path}`, `http://attacker.example${path}`, `http://127.0.0.1/%${segments[0]!.charCodeAt(0).toString(16)}${path.slice(2)}`,
    path.replace(/\//g, '\\'),
  ];
}
