import type { EvaluateResult } from './types.ts';

/** One result in words: what an officer reads on a terminal (NDJSON stays the machines' form). */
function summary(result: EvaluateResult): string {
  if ('error' in result) return `${result.error.code}: ${result.error.message}`;
  if ('aqi' in result) {
    const primary = result.primary.length ? ` (${result.primary.join(', ')})` : '';
    return `AQI ${result.aqi ?? '—'} ${result.category ?? ''}${primary}; ${result.standard}${result.missing.length ? `; missing ${result.missing.join(', ')}` : ''}`;
  }
  if ('class' in result) {
    const multiples = Object.entries(result.multiples).map(([parameter, multiple]) => `${parameter} ×${String(multiple)}`).join(', ');
    return `Class ${result.class} ${result.grade}${result.limiting.length ? `; limiting ${result.limiting.join(', ')}` : ''}${multiples ? `; over Class III ${multiples}` : ''}${result.tnClass ? `; TN Class ${result.tnClass}` : ''}; ${result.standard}`;
  }
  return `limit ${result.limit} dB(A): ${result.exceeds ? 'exceeds' : 'within'}${result.lmaxLimit === null ? '' : `; Lmax limit ${result.lmaxLimit}: ${result.lmaxExceeds ? 'exceeds' : 'within'}`}; ${result.standard}`;
}

/** The results as a table for people: the row (its id, else its number), then the result or every problem. */
export function formatTable(results: readonly EvaluateResult[]): string {
  const rows = results.map((result, index) => [String(result.id ?? index + 1), summary(result)] as const);
  const width = Math.max(3, ...rows.map(([row]) => row.length));
  return [`${'row'.padEnd(width)}  result`, `${'-'.repeat(width)}  ------`, ...rows.map(([row, text]) => `${row.padEnd(width)}  ${text}`)].join('\n') + '\n';
}
