/**
 * How much of a webhook receiver's answer is read. The notifier needs only the status; a few
 * bytes more let a small answer end cleanly, so that the connection can be kept for the next
 * notification. A receiver is not trusted: red team 6's answered 1.5 GiB, and reading it whole
 * took the platform from 180 MB to 4.8 GB.
 */
export const webhookAnswerLimitBytes = 4_096;

/**
 * Reads the answer's body up to `limitBytes` (one network chunk past it at most) and cancels the
 * rest, which closes the connection instead of downloading it. The body is never kept.
 */
export async function discardAnswer(response: Response, limitBytes = webhookAnswerLimitBytes): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  let read = 0;
  try {
    while (read <= limitBytes) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // A receiver that hangs up or stalls in its answer (the delivery's timeout aborts the read) has
    // still answered with its status, which is all a delivery is judged by.
    await reader.cancel().catch(() => undefined);
  }
}
