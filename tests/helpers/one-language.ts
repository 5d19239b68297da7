/**
 * Issue 22 item 1: one language a document. The Chinese documents may hold Latin letters only in
 * the tokens listed here (units, standard numbers, pollutant notation, water classes); the English
 * ones no Chinese at all but where `allowedCjk` says (the plan's Chinese name, once).
 */

/** Latin-letter tokens a Chinese report prints as the bureau's own do. Explicit: a new one is a decision. */
export const ZH_ALLOWED_TOKENS: readonly RegExp[] = [
  // The composite index's formula as the ranking rule writes it; an HJ 212-2017 data flag (标识 C)
  /I = Σ Cᵢ\/Sᵢ/g, /HJ 212 标识 [A-Z]\b/g,
  // Units
  /µg\/m³/g, /mg\/m³/g, /mg\/L/g, /dB\(A\)/g, /kWh/g, /\bkW\b/g, /\bkm\b/g, /\bcm\b/g, /\bmm\b/g,
  // Standard and document numbers: GB 3095-2012, GB/T 8170, HJ 633-2012, HJ 212-2017, and a standard's table (表A.1)
  /\b(GB\/T|GB|HJ) \d+(-\d{4})?/g, /表[A-Z]\.\d+/g,
  // Pollutant notation and the indices
  /PM₂\.₅|PM₁₀|PM2\.5|PM10/g, /SO₂/g, /NO₂/g, /O₃/g, /\bCO\b/g, /NH₃-N/g, /\bIAQI\b/g, /\bAQI\b/g, /\bpH\b/g,
  // Water classes (GB 3838-2002) as bulletins print them: III类, 劣V
  /\b(I|II|III|IV|V)\b/g, /劣V/g,
  // The zone of Beijing time
  /UTC\+8/g,
];

const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;

/** The Latin words a Chinese text holds outside the allowed tokens, each with its context. */
export function latinOutsideTokens(text: string): string[] {
  let rest = text;
  for (const token of ZH_ALLOWED_TOKENS) rest = rest.replace(token, ' ');
  return [...rest.matchAll(/[A-Za-z][A-Za-z0-9_.-]*/g)].map((match) => `${match[0]} in “${rest.slice(Math.max(0, match.index - 20), match.index + match[0].length + 20).replace(/\s+/g, ' ')}”`);
}

/** The Chinese runs an English text holds, but `allowed` (once each). */
export function cjkOutside(text: string, allowed: readonly string[] = []): string[] {
  let rest = text;
  for (const phrase of allowed) rest = rest.replace(phrase, ' ');
  return [...rest.matchAll(new RegExp(`${CJK.source}+`, 'g'))].map((match) => `${match[0]} in “${rest.slice(Math.max(0, match.index - 30), match.index + match[0].length + 30).replace(/\s+/g, ' ')}”`);
}

/** What a reader sees of an HTML page: its text and its tooltips (title, aria-label), entities decoded. */
export function visibleText(html: string): string {
  const tooltips = [...html.matchAll(/\s(?:title|aria-label)="([^"]*)"/g)].map((match) => match[1]);
  const text = html.replace(/<head>[^]*?<title>([^]*?)<\/title>[^]*?<\/head>/, ' $1 ').replace(/<style[^]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' ');
  return [text, ...tooltips].join('\n').replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
