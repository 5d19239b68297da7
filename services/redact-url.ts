/**
 * URLs with their userinfo (`mqtt://user:pass@host`, RFC 3986 §3.2.1) replaced by `***@`, in any
 * text: a password given in a broker or InfluxDB URL is never shown by /healthz, the banner or a
 * log line (issue 18 item 15). RFC 3986 §7.5 itself advises against showing userinfo.
 */
export function redactUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1***@');
}

/** The same over every string of a JSON-like value (what /healthz answers). */
export function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redactUserinfo(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactDeep(inner)]));
  return value;
}
