/**
 * Asks `read` every 250 ms until it answers a value, and answers that. After `timeoutMs` it fails
 * naming `what`, followed by `context()` (say, the last of a process's output).
 */
export async function pollUntil<T>(what: string, read: () => Promise<T | undefined>, timeoutMs: number, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
