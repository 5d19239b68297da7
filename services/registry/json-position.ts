/**
 * Where JSON.parse stopped, as line and column (1-based), from V8's message: "... at position
 * 57" (Node 20) or "... (line 3 column 5)" (newer V8). Undefined when the message names neither.
 */
export function jsonErrorPosition(text: string, error: unknown): { line: number; column: number } | undefined {
  const message = (error as Error | undefined)?.message ?? '';
  const named = /line (\d+) column (\d+)/.exec(message);
  if (named) return { line: Number(named[1]), column: Number(named[2]) };
  const at = /at position (\d+)/.exec(message);
  // "Unexpected end of JSON input" names no position: the end of the text is where it stopped.
  const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** V8's reason without its position, which is said as line and column instead. */
export const jsonErrorReason = (error: unknown): string =>
  ((error as Error | undefined)?.message ?? String(error)).replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)/, '');
