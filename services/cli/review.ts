import { readFile } from 'node:fs/promises';
import { configFromEnv } from '../config-env.ts';
import { WanxiangError, errorCatalogue, type ErrorCode } from '../errors.ts';
import { markReasonIds, type MarkReason } from '../review/mark-schema.ts';
import { readRuntime } from '../runtime-file.ts';
import { shared } from './common.ts';
import { beijingEcho } from './beijing-echo.ts';
import { step } from './failure.ts';
import { helpText, option, parseCommand, UsageError } from './options.ts';

const actions = ['mark', 'revoke', 'list', 'history'] as const;
type Action = (typeof actions)[number];

const spec = {
  name: 'review',
  summary: 'review data: mark a period invalid with a reason, revoke a mark, list marks, export the history',
  positionals: [{ name: 'ACTION', describe: `one of ${actions.join(', ')}`, required: true }],
  description: `  wanxiang review mark --device ID --from T --to T --reason R [--field F ...] [--comment TEXT]
  wanxiang review mark --site S --from T --to T --reason R ...     every device of a station or section
  wanxiang review revoke --mark ID --comment TEXT                 a later record withdraws the mark
  wanxiang review list [--device ID] [--from T] [--to T]          marks, each in force or revoked
  wanxiang review history                                         every record, oldest first (NDJSON)

Reasons (HJ 212-2017 data flags where one fits): calibration (C), maintenance (M), fault (D),
power (F, instrument stopped), communication (B), external-event. Times are Beijing time unless
they carry a zone; from is inclusive, to exclusive. A marked field takes the fields computed from it
too (active_kw takes load_rate_pct; list shows it as +load_rate_pct). mark and revoke need an
officer's token (--token-file). Reads the running platform's API (runtime.json in the data folder)
unless --api names one; without either it stops: it never guesses an address.`,
  options: {
    device: option.string('ID', 'the device (mark, list)'),
    site: option.string('S', 'every device of this site (mark)'),
    from: option.string('T', 'start of the period (mark, list)'),
    to: option.string('T', 'end of the period, exclusive (mark, list)'),
    reason: option.choice<MarkReason>('R', 'why the data are invalid (mark)', markReasonIds),
    field: option.string('F', 'an InfluxDB field such as pm25_ugm3 (mark; default every field)').many(),
    comment: option.string('TEXT', 'what happened (mark; required for revoke)'),
    mark: option.string('ID', 'the mark to revoke (revoke)'),
    'token-file': option.string('FILE', 'a file holding the bearer token (an officer token to mark or revoke)'),
    api: option.url('URL', "the platform's HTTP API (default: the running platform's, from runtime.json)", ['http:', 'https:']),
    'data-dir': shared.dataDir(),
  },
};

export const reviewHelp = helpText(spec);

async function apiUrl(flag: string | undefined, dataDir: string): Promise<{ url: string; source: string }> {
  if (flag) return { url: flag.replace(/\/$/, ''), source: '--api' };
  const found = await readRuntime(dataDir);
  if (found.runtime) return { url: found.runtime.httpUrl.replace(/\/$/, ''), source: found.path };
  throw new WanxiangError('WX_ERR_PLATFORM_NOT_FOUND', `no platform to ask: ${found.why}; start it (npm start), pass --data-dir of a running one, or --api URL`);
}

/** The answer as JSON, or null for NDJSON (the history) and text: the text is kept beside. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function call(api: { url: string; source: string }, path: string, init: { method?: string; body?: unknown; token?: string }): Promise<{ text: string; json: unknown }> {
  let response: Response;
  try {
    response = await fetch(`${api.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new WanxiangError('WX_ERR_CONNECTION', `cannot reach the API at ${api.url} (${api.source})`, { cause: error });
  }
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) {
    const body = (json ?? {}) as { code?: string; message?: string };
    throw new WanxiangError(body.code && Object.hasOwn(errorCatalogue, body.code) ? (body.code as ErrorCode) : 'WX_ERR_INTERNAL', `the API at ${api.url} answered ${response.status}: ${body.message ?? 'the request was refused'}`);
  }
  return { text, json };
}

function need<T>(value: T | undefined, name: string, action: Action): T {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) throw new UsageError(`review ${action} needs --${name}`, reviewHelp);
  return value;
}

/** An instant the API gave (ISO, UTC) as Beijing time; text that is not an instant is printed as it came. */
const beijingText = (iso: string) => (Number.isFinite(Date.parse(iso)) ? beijingEcho(Date.parse(iso)) : iso);

type Mark = { id: string; devices: string[]; from: string; to: string; fields: string[]; derivedFields?: string[]; reason: string; inForce: boolean; revokedBy: string | null; comment: string; by: string };

export async function reviewCommand(argv: string[]): Promise<void> {
  const { options, positionals } = parseCommand(spec, argv);
  const action = positionals[0] as Action;
  if (!actions.includes(action)) throw new UsageError(`ACTION must be one of ${actions.join(', ')}, not ${JSON.stringify(positionals[0])}`, reviewHelp);
  const tokenFile = options['token-file'];
  const token = tokenFile ? (await step(`cannot read the token file ${tokenFile}`, () => readFile(tokenFile, 'utf8'))).trim() : undefined;
  const api = await apiUrl(options.api, options['data-dir'] ?? configFromEnv().dataDir);
  if (action === 'mark' || action === 'revoke') {
    need(token, 'token-file', action);
    const body = action === 'mark'
      ? {
        ...(options.device ? { device: options.device } : {}), ...(options.site ? { site: options.site } : {}),
        from: need(options.from, 'from', action), to: need(options.to, 'to', action), reason: need(options.reason, 'reason', action),
        ...(options.field.length ? { fields: options.field } : {}), comment: options.comment ?? '',
      }
      : { action: 'revoke', revokes: need(options.mark, 'mark', action), comment: need(options.comment, 'comment', action) };
    if (action === 'mark' && !options.device && !options.site) throw new UsageError('review mark needs --device or --site', reviewHelp);
    const { json } = await call(api, '/api/v1/review/marks', { method: 'POST', body, token });
    // The mark's window in Beijing time with its offset, as typed and as `review list` prints it (the API answers UTC).
    const answer = json as Partial<Mark>;
    const echoed = action === 'mark' && typeof answer.from === 'string' && typeof answer.to === 'string' ? { ...answer, from: beijingText(answer.from), to: beijingText(answer.to) } : json;
    process.stdout.write(`${JSON.stringify(echoed)}\n`);
    return;
  }
  if (action === 'history') {
    process.stdout.write((await call(api, '/api/v1/review/history', { token })).text);
    return;
  }
  const query = new URLSearchParams(Object.entries({ device: options.device, from: options.from, to: options.to }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const { json } = await call(api, `/api/v1/review/marks${query.size ? `?${query}` : ''}`, { token });
  const marks = (json as { marks: Mark[] }).marks;
  // Times in Beijing time with the offset, as the officer typed them (`2025-08-04T00:00+08:00`), never UTC.
  process.stdout.write(['id\tstate\tdevices\tfrom\tto\tfields\treason\tby\tcomment', ...marks.map((mark) =>
    [mark.id, mark.inForce ? 'in force' : `revoked by ${mark.revokedBy}`, mark.devices.join(','), beijingText(mark.from), beijingText(mark.to), fieldsCell(mark), mark.reason, mark.by, mark.comment].map(cell).join('\t'))].join('\n') + '\n');
}

/**
 * A cell of the tab-separated listing: a tab or line break a comment holds (the API takes them) is
 * written as `\t`, `\n`, `\r`, and a backslash as `\\`, so one mark is one line of its own columns
 * (red team 8: a comment with a line break printed a forged second mark "in force").
 */
function cell(text: string): string {
  return text.replace(/[\\\t\n\r]/g, (character) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[character]!);
}

/** The fields column: what the mark names, then the derived fields it also takes out (`active_kw +load_rate_pct`); `all` for every field. */
function fieldsCell(mark: Pick<Mark, 'fields' | 'derivedFields'>): string {
  if (mark.fields.length === 0) return 'all';
  const derived = mark.derivedFields ?? [];
  return [mark.fields.join(','), ...(derived.length ? [`+${derived.join(',+')}`] : [])].join(' ');
}
