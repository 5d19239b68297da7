import { WanxiangError, isWanxiangError, type ErrorCode } from '../errors.ts';
import { locateApi } from './locate.ts';
import { readSecret } from './secret-input.ts';
import { beijingEcho } from './beijing-echo.ts';

export interface OpenedWindow {
  readonly until: string;
  close(): Promise<void>;
}

/** How long each opening of the window lasts, and how often the run opens it again while it lives. */
export const windowLeaseMinutes = 2;
const renewEveryMs = 30_000;

/**
 * Opens the running platform's backfill window for this run (issue 19, item 3): readings as old as
 * `fromMs` are taken until it is closed again at the end of the run. It is leased for 2 minutes and
 * renewed every 30 s while the run lives (red team 6: a backfill killed with -9 left it open a day,
 * and any device could write years-old readings into the history the reports are built from).
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
  const opened = await call('POST', { from: options.fromMs, minutes: windowLeaseMinutes });
  process.stderr.write(`[backfill] the platform's backfill window is open: readings from ${beijingEcho(options.fromMs)} are taken until the end of this run (renewed every ${renewEveryMs / 1_000} s, closing by itself ${windowLeaseMinutes} minutes after the last renewal)\n`);
  let renewal: Promise<unknown> = Promise.resolve();
  const renewing = setInterval(() => {
    renewal = call('POST', { from: options.fromMs, minutes: windowLeaseMinutes }).catch((error: unknown) => process.stderr.write(`[backfill] could not renew the backfill window (readings older than the platform's age limit may be refused until it is): ${isWanxiangError(error) ? error.message : String(error)}\n`));
  }, renewEveryMs);
  renewing.unref();
  return {
    until: opened.until ?? '',
    async close() {
      clearInterval(renewing);
      await renewal;
      await call('DELETE').catch((error: unknown) => process.stderr.write(`[backfill] could not close the backfill window (it closes by itself at ${opened.until}): ${isWanxiangError(error) ? error.message : String(error)}\n`));
    },
  };
}
