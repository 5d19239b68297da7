import { writeFile } from 'node:fs/promises';
import type { ComplianceReport } from '../compliance/compliance.ts';
import { parsePeriod } from '../compliance/period.ts';
import { formatCsv, formatMarkdown } from '../compliance/report-format.ts';
import { configFromEnv } from '../config.ts';
import { WanxiangError, errorCatalogue, type ErrorCode } from '../errors.ts';
import { assertWritableTarget, shared } from './common.ts';
import { step } from './failure.ts';
import { locateApi } from './locate.ts';
import { helpText, option, parseCommand } from './options.ts';

const period = option.custom<string>('P', 'the period', 'a year (2025), a year to date (2026-YTD) or a month (2026-03)', (text) => {
  try {
    parsePeriod(text, Date.now());
    return text;
  } catch {
    return undefined; // not a period: the parser names --period and the forms it takes
  }
});

const spec = {
  name: 'report',
  summary: "the plan's targets for a period, as a report an officer can hand on",
  description: `Reads the running platform's API, found in the data folder (runtime.json) unless --api names it.
The report goes to stdout (or --out); logs and errors go to stderr, so --format json pipes into jq.`,
  options: {
    period: period.require(),
    format: option.choice('F', 'md (Chinese and English), csv or json', ['md', 'csv', 'json'] as const).default('md'),
    api: option.url('URL', "the platform's HTTP API (default: the running platform's, else http://127.0.0.1:3000)", ['http:', 'https:']),
    'data-dir': shared.dataDir(),
    out: option.string('FILE', 'write to FILE instead of standard output'),
  },
};

export const reportHelp = helpText(spec);

export async function reportCommand(argv: string[]): Promise<void> {
  const { options } = parseCommand(spec, argv);
  if (options.out) await assertWritableTarget(options.out, 'the report');
  const api = await locateApi(options.api, options['data-dir'] ?? configFromEnv().dataDir);
  const url = `${api.url.replace(/\/$/, '')}/api/v1/compliance?period=${encodeURIComponent(options.period)}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new WanxiangError('WX_ERR_CONNECTION', `cannot reach the API at ${api.url} (${api.source})${cause?.code ? `: ${cause.code}` : ''}; start the platform (npm start) or pass --api URL`, { cause: error });
  }
  let body: ComplianceReport & { code?: string; message?: string };
  try {
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new WanxiangError('WX_ERR_CONNECTION', `${api.url} (${api.source}) answered ${response.status} without JSON: is it a Wanxiang API?`, { cause: error });
  }
  if (!response.ok) {
    throw new WanxiangError(body.code && Object.hasOwn(errorCatalogue, body.code) ? (body.code as ErrorCode) : 'WX_ERR_INTERNAL', `the API at ${api.url} answered ${response.status}: ${body.message ?? 'the request was refused'}`);
  }
  const text = options.format === 'json' ? `${JSON.stringify(body, null, 2)}\n` : options.format === 'csv' ? formatCsv(body) : formatMarkdown(body);
  if (options.out) {
    const out = options.out;
    await step(`cannot write the report ${out}`, () => writeFile(out, text));
  } else process.stdout.write(text);
}
