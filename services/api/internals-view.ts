import type { FastifyRequest } from 'fastify';
import { redactUserinfo } from '../redact-url.ts';
import { roleRank, type Auth } from './auth.ts';

/**
 * Who may see how the platform is laid out: the absolute paths of its files, the URLs and
 * database it talks to, its host's name. Operators and admins, by a bearer token or a session
 * their token signed in; they run the installation. Everyone else who may read (anyone, with
 * reads open; a reader, a department, an officer) gets the same answers without them (red team,
 * HTTP follow-up: `/api/v1/rejections` named the dead-letter file's absolute path and `/healthz`
 * the InfluxDB URL and database to any anonymous reader). A URL's userinfo is shown to no one.
 */
export function seesInternals(auth: Pick<Auth, 'person'>, request: FastifyRequest): boolean {
  const person = auth.person(request);
  return person !== null && roleRank[person.role] >= roleRank.operator;
}

// A URL of any scheme (`http://influx:8086/x`, `redis://:pw@cache:6379`), up to a space or a quote.
const url = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>()]*/gi;
// An absolute path (POSIX or Windows) in quotes, as Node's errors give it (spaces and all), or where a
// word begins: its last segment, the file's name, is kept.
const quotedPath = /(['"])((?:\/|[a-z]:\\)[^'"\n]*)\1/gi;
const absolutePath = /(^|[\s'"(=,:[])((?:\/|[a-z]:\\)[^\s'"(),;<>]*)/gi;
const fileName = (path: string) => path.split(/[\\/]/).filter(Boolean).at(-1) ?? '';

/**
 * A message as anyone may read it: every URL as `<url>`, every absolute path as its file's name
 * (`/var/lib/wanxiang/devices.json` as `devices.json`), so the verdict and reason stay readable.
 */
export function withoutInternals(text: string): string {
  return text
    .replace(url, '<url>')
    .replace(quotedPath, (_match, quote: string, path: string) => `${quote}${fileName(path)}${quote}`)
    .replace(absolutePath, (_match, before: string, path: string) => `${before}${fileName(path)}`);
}

/** withoutInternals (or, for those who see internals, only the userinfo redacted) over every string of a JSON-like value. */
export function viewFor(value: unknown, internals: boolean): unknown {
  if (typeof value === 'string') return internals ? redactUserinfo(value) : withoutInternals(redactUserinfo(value));
  if (Array.isArray(value)) return value.map((inner) => viewFor(inner, internals));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, viewFor(inner, internals)]));
  return value;
}
