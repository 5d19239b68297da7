import { WanxiangError, type ErrorCode } from '../errors.ts';
import { redactUserinfo } from '../redact-url.ts';
import { createEndpointPool } from './endpoint-pool.ts';
import { createLinePoster, type Answer } from './line-poster.ts';

export interface InfluxClientOptions {
  readonly url: string;
  readonly database: string;
  readonly retentionPolicy?: string;
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  readonly requestTimeoutMs?: number;
  /** Several endpoints of one logical InfluxDB: balanced and failed over (endpoint-pool.ts). */
  readonly urls?: readonly string[];
  readonly endpointRetryMs?: number;
  /** Told when an endpoint leaves or rejoins the rotation. */
  readonly onEndpointChange?: (url: string, healthy: boolean) => void;
  /** Told when a write found the database gone and it was created again (WX_ERR_INFLUX_DATABASE_MISSING). */
  readonly onDatabaseRecreated?: (message: string) => void;
}

export interface Series {
  readonly name: string;
  readonly tags?: Record<string, string>;
  readonly columns: string[];
  readonly values: unknown[][];
}

/** An InfluxDB answer or failure, sorted as Telegraf's outputs sort them: retry or not. */
export class InfluxRequestError extends WanxiangError {
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  /** InfluxDB's answer as it came (its first 1,000 characters), when there was one: what a refusal is read from (field-conflict.ts). */
  readonly answer: string | undefined;
  constructor(message: string, options: { httpStatus?: number; retryable: boolean; cause?: unknown; code?: ErrorCode; answer?: string }) {
    super(options.code ?? (options.retryable ? 'WX_ERR_INFLUX_UNAVAILABLE' : 'WX_ERR_INFLUX_REJECTED'), message, { cause: options.cause, value: options.httpStatus });
    this.httpStatus = options.httpStatus;
    this.retryable = options.retryable;
    this.answer = options.answer;
  }
}

export interface InfluxClient {
  readonly database: string;
  /** The endpoints in rotation (all of them while healthy). */
  healthyEndpoints?(): string[];
  /** The server's version from /ping (X-Influxdb-Version), e.g. "1.6.7~rc0". */
  /** The server's version; `timeoutMs` (default the client's request timeout) bounds a hung server's wait. */
  ping(timeoutMs?: number): Promise<string>;
  /**
   * Line protocol to /write with precision=ms; rejects with InfluxRequestError. An array is
   * its items joined by line breaks, encoded straight into the request body (no joined string).
   */
  write(lines: string | readonly string[]): Promise<void>;
  /** InfluxQL on /query; the first statement's series (empty when there are none). */
  query(influxql: string, options?: { database?: string | null }): Promise<Series[]>;
  /** Creates the database and its retention policy (default for the database). */
  ensureDatabase(retention: string): Promise<void>;
}

const retryableStatus = (status: number) => status === 429 || status >= 500;

/**
 * A thin client of the HTTP API that InfluxDB 1.x, 2.x (v1 compatibility) and 3.x all
 * serve: line protocol on /write, InfluxQL on /query, version on /ping.
 */
export function createInfluxClient(options: InfluxClientOptions): InfluxClient {
  const urls = options.urls?.length ? options.urls : [options.url];
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Token ${options.token}`;
  else if (options.username) {
    headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
  }
  const pool = createEndpointPool({
    urls,
    retryAfterMs: options.endpointRetryMs ?? 5_000,
    probe: async (url) => (await fetch(`${url}/ping`, { headers, signal: AbortSignal.timeout(2_000) })).status === 204,
    onChange: options.onEndpointChange,
  });

  // Writes (the drainer's whole traffic) go through node:http with a Buffer body: fetch's web
  // streams copied and re-chunked every body, a few % of the event loop at full rate.
  const poster = createLinePoster({ headers, timeoutMs });

  async function requestOne(base: string, path: string, init: RequestInit | { lines: string | readonly string[] }): Promise<Answer> {
    try {
      if ('lines' in init) return await poster.post(`${base}${path}`, init.lines);
      return await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) }, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      // An answer Node's HTTP parser cannot read (InfluxDB echoing a control character in a
      // header) is an answer, not an outage: retrying the same lines would loop for ever.
      const code = String((error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code ?? '');
      if (code.startsWith('HPE_')) throw new InfluxRequestError(`InfluxDB at ${base} answered unreadably (${code})`, { retryable: false, httpStatus: 400, cause: error });
      throw new InfluxRequestError(`InfluxDB at ${base} unreachable: ${(error as Error).message}`, { retryable: true, cause: error });
    }
  }

  /**
   * One request, failed over: an unreachable endpoint or a 5xx answer sends the same request
   * to the next endpoint at once (writes are idempotent: same series and time overwrite). A
   * 4xx is the data's fault, not the endpoint's: it is returned as it is. When every endpoint
   * failed, the last failure goes to the caller (the writer retries with backoff).
   */
  async function request(path: string, init: RequestInit): Promise<Response>;
  async function request(path: string, init: { lines: string | readonly string[] }): Promise<Answer>;
  async function request(path: string, init: RequestInit | { lines: string | readonly string[] }): Promise<Answer> {
    let lastFailure: unknown;
    for (const base of pool.candidates()) {
      try {
        const response = await requestOne(base, path, init);
        if (response.status < 500 || urls.length === 1) {
          pool.markUp(base);
          return response;
        }
        pool.markDown(base);
        lastFailure = await failure(response, `${base}${path.split('?')[0]}`);
      } catch (error) {
        if (!(error instanceof InfluxRequestError) || !error.retryable) throw error;
        pool.markDown(base);
        lastFailure = error;
      }
    }
    throw lastFailure;
  }

  const notInfluxdb = (why: string) =>
    new WanxiangError('WX_ERR_NOT_INFLUXDB', `the server at ${urls.map(redactUserinfo).join(', ')} is not InfluxDB: ${why}; INFLUX_URL (--influx-url) must name an InfluxDB 1.x, 2.x (v1 API) or 3.x server, e.g. http://127.0.0.1:8086`);

  async function failure(response: Answer, what: string): Promise<InfluxRequestError> {
    const body = (await response.text()).slice(0, 1_000);
    return new InfluxRequestError(`InfluxDB ${what} answered ${response.status}: ${body}`, {
      httpStatus: response.status,
      retryable: retryableStatus(response.status),
      answer: body,
    });
  }

  async function query(influxql: string, queryOptions: { database?: string | null } = {}): Promise<Series[]> {
    const form = new URLSearchParams({ q: influxql, epoch: 'ms' });
    const database = queryOptions.database === undefined ? options.database : queryOptions.database;
    if (database) form.set('db', database);
    const response = await request('/query', {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (!response.ok) throw await failure(response, 'query');
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw response.headers.has('x-influxdb-version')
        ? new InfluxRequestError(`InfluxDB answered /query with no JSON: ${text.slice(0, 200)}`, { retryable: false, httpStatus: response.status, cause: error })
        : notInfluxdb(`its /query answered ${response.status} with no JSON and no X-Influxdb-Version header`);
    }
    const answer = parsed as { results?: Array<{ series?: Series[]; error?: string; partial?: boolean }>; error?: string };
    const first = answer.results?.[0];
    // A server with max-row-limit cuts results short and marks the result partial; a cut
    // result must not pass for a whole one. (1.x also marks merged series partial: harmless.)
    if (first?.partial) {
      throw new InfluxRequestError(`InfluxQL result for ${JSON.stringify(influxql.slice(0, 200))} was truncated by the server's max-row-limit`, { retryable: false, httpStatus: 200 });
    }
    const error = answer.error ?? first?.error;
    // A query in the moments a dropped database is missing (a write creates it again) says so by its code, not as a bad query.
    if (error && /database not found/i.test(error)) throw new InfluxRequestError(`InfluxQL error for ${JSON.stringify(influxql)}: ${error}`, { retryable: true, httpStatus: 404, code: 'WX_ERR_INFLUX_DATABASE_MISSING' });
    if (error) throw new InfluxRequestError(`InfluxQL error for ${JSON.stringify(influxql)}: ${error}`, { retryable: false, httpStatus: 400 });
    return first?.series ?? [];
  }

  // What the start created (ensureDatabase), so a write that finds the database dropped can create it again.
  let retentionOfStart: string | undefined;
  let recreating: Promise<void> | undefined;
  // A retention policy dropped under the platform (DROP RETENTION POLICY) is answered 500 by InfluxDB 1.x
  // "retention policy not found": retried as an outage, it was retried for ever while /healthz said ok
  // and the spool grew (red team 11). It is made again as at start, as a dropped database is.
  const isDatabaseMissing = (error: InfluxRequestError) => (error.httpStatus === 404 && /database not found/i.test(error.message)) || /retention policy not found/i.test(error.message);
  function recreateDatabase(retention: string): Promise<void> {
    recreating ??= client.ensureDatabase(retention).then(
      () => options.onDatabaseRecreated?.(`InfluxDB answered that the database "${options.database}" or its retention policy does not exist (dropped while the platform ran?): it was created again with its retention policy and the readings are written on; what it held before is gone with it`),
      (error: unknown) => {
        throw new InfluxRequestError(`the database "${options.database}" does not exist and could not be created again: ${(error as Error).message}; the readings are kept and retried`, { retryable: true, code: 'WX_ERR_INFLUX_DATABASE_MISSING', cause: error });
      },
    ).finally(() => (recreating = undefined));
    return recreating;
  }

  const client: InfluxClient = {
    database: options.database,
    healthyEndpoints: () => pool.healthy(),
    async ping(pingTimeoutMs) {
      const response = await request('/ping', { method: 'GET', ...(pingTimeoutMs === undefined ? {} : { signal: AbortSignal.timeout(pingTimeoutMs) }) });
      if (!response.ok && response.status !== 204) throw await failure(response, 'ping');
      await response.arrayBuffer();
      const version = response.headers.get('x-influxdb-version');
      // Issue 19, item 7: every InfluxDB (1.x, 2.x, 3.x) names its version on /ping; a server
      // without the header is something else (a web server answering 200 to everything), and
      // is said to be so before a query's answer fails as "not valid JSON".
      if (version === null) throw notInfluxdb(`its /ping answered ${response.status} without an X-Influxdb-Version header`);
      return version;
    },
    async write(lines) {
      const params = new URLSearchParams({ db: options.database, precision: 'ms' });
      if (options.retentionPolicy) params.set('rp', options.retentionPolicy);
      for (let attempt = 0; ; attempt += 1) {
        const response = await request(`/write?${params}`, { lines });
        if (response.status === 204 || response.ok) {
          await response.text();
          return;
        }
        const refused = await failure(response, 'write');
        if (!isDatabaseMissing(refused)) throw refused;
        // A dropped database is no fault of the lines: quarantining them as poisoned would move
        // every acknowledged reading into the dead-letter file while /healthz said ok. Created
        // again (as at start, Telegraf's outputs do the same) and written; otherwise kept and retried.
        if (attempt > 0 || retentionOfStart === undefined) throw new InfluxRequestError(`${refused.message.trim()}: the database "${options.database}" does not exist; the readings are kept and retried until it does`, { httpStatus: 404, retryable: true, code: 'WX_ERR_INFLUX_DATABASE_MISSING' });
        await recreateDatabase(retentionOfStart);
      }
    },
    query,
    async ensureDatabase(retention) {
      // Several endpoints: each gets the statements (servers behind a relay share no
      // metadata; a cluster's nodes take them idempotently). One that answers is enough:
      // a relay endpoint serves no /query, a dead server is caught up by its operator.
      if (urls.length > 1) {
        const results = await Promise.allSettled(urls.map((url) => createInfluxClient({ ...options, url, urls: undefined }).ensureDatabase(retention)));
        const failed = results.filter((result) => result.status === 'rejected');
        if (failed.length === urls.length) throw (failed[0] as PromiseRejectedResult).reason;
        retentionOfStart = retention;
        return;
      }
      // Both statements are idempotent in InfluxDB 1.x; 2.x/3.x manage buckets themselves.
      await query(`CREATE DATABASE "${options.database}"`, { database: null });
      retentionOfStart = retention;
      if (!options.retentionPolicy) return;
      const policy = `RETENTION POLICY "${options.retentionPolicy}" ON "${options.database}" DURATION ${retention} REPLICATION 1 DEFAULT`;
      try {
        await query(`CREATE ${policy}`, { database: null });
      } catch (error) {
        // The policy exists with another duration (the configuration changed): follow the configuration.
        if (!/already exists/.test((error as Error).message)) throw error;
        await query(`ALTER ${policy}`, { database: null });
      }
    },
  };
  return client;
}
