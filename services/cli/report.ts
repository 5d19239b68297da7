import { writeFile } from 'node:fs/promises';
import type { ComplianceReport } from '../compliance/compliance.ts';
import { parsePeriod } from '../compliance/period.ts';
import { formatCsv, formatMarkdown } from '../compliance/report-format.ts';
import { configFromEnv } from '../config.ts';
import { WanxiangError, errorCatalogue, type ErrorCode } from '../errors.ts';
import { assertWritableTarget, shared } from './common.ts';
import { step } from './failure.ts';
import { locateApi, type Located } from './locate.ts';
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
    format: option.choice('F', 'md, csv, json, or xlsx (the official tables, one sheet a table)', ['md', 'csv', 'json', 'xlsx'] as const).default('md'),
    lang: option.choice('L', 'the language of the document: zh or en', ['zh', 'en'] as const).default('zh'),
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
  if (options.format === 'xlsx') return writeOut(options.out, await fetchWorkbook(api, options.period, options.lang));
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
  await writeOut(options.out, text);
}

async function writeOut(out: string | undefined, content: string | Buffer): Promise<void> {
  if (out) await step(`cannot write the report ${out}`, () => writeFile(out, content));
  else process.stdout.write(content);
}

/** The official tables as xlsx from the platform's API (GET /api/v1/reports). */
async function fetchWorkbook(api: Located, period: string, lang: string): Promise<Buffer> {
  const url = `${api.url.replace(/\/$/, '')}/api/v1/reports?period=${encodeURIComponent(period)}&lang=${lang}&format=xlsx`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new WanxiangError('WX_ERR_CONNECTION', `cannot reach the API at ${api.url} (${api.source})${cause?.code ? `: ${cause.code}` : ''}; start the platform (npm start) or pass --api URL`, { cause: error });
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new WanxiangError(body.code && Object.hasOwn(errorCatalogue, body.code) ? (body.code as ErrorCode) : 'WX_ERR_INTERNAL', `the API at ${api.url} answered ${response.status}: ${body.message ?? 'the request was refused'}`);
  }
  return Buffer.from(await response.arrayBuffer());
}
