import { WanxiangError, isWanxiangError, type ErrorCode } from '../errors.ts';
import { locateApi } from './locate.ts';
import { readSecret } from './secret-input.ts';

export interface OpenedWindow {
  readonly until: string;
  close(): Promise<void>;
}

/**
 * Opens the running platform's backfill window for this run (issue 19, item 3): readings as old as
 * `fromMs` are taken until it is closed again at the end of the run, or after a day at most.
 */
export async function openBackfillWindow(options: { api?: string; tokenFile: string; dataDir: string; fromMs: number }): Promise<OpenedWindow> {
  const located = await locateApi(options.api, options.dataDir);
  const token = await readSecret(options.tokenFile, 'the admin token');
  const endpoint = `${located.url.replace(/\/$/, '')}/api/v1/admin/backfill-window`;
  const call = async (method: 'POST' | 'DELETE', body?: unknown) => {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new WanxiangError('WX_ERR_CONNECTION', `cannot reach the platform's API at ${located.url} (from ${located.source}): ${(error as Error).message}`, { cause: error });
    }
    const answer = (await response.json().catch(() => ({}))) as { code?: string; message?: string; until?: string };
    if (!response.ok) {
      const code = (answer.code?.startsWith('WX_ERR_') ? answer.code : 'WX_ERR_CONNECTION') as ErrorCode;
      throw new WanxiangError(code, `the backfill window at ${endpoint} was refused (${response.status}): ${answer.message ?? 'no reason given'}`);
    }
    return answer;
  };
  const opened = await call('POST', { from: options.fromMs, minutes: 24 * 60 });
  process.stderr.write(`[backfill] the platform's backfill window is open: readings from ${new Date(options.fromMs).toISOString()} are taken until ${opened.until} or the end of this run\n`);
  return {
    until: opened.until ?? '',
    async close() {
      await call('DELETE').catch((error: unknown) => process.stderr.write(`[backfill] could not close the backfill window (it closes by itself at ${opened.until}): ${isWanxiangError(error) ? error.message : String(error)}\n`));
    },
  };
}
