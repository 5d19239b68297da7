import { resolve } from 'node:path';
import { evaluateCompliance, type ComplianceReport } from '../compliance/compliance.ts';
import { PLAN_PERIOD_FORMS, isPlanYear, parsePlanPeriod } from '../compliance/plan-period.ts';
import { formatCsv, formatMarkdown, type ReportComparisons } from '../compliance/report-format.ts';
import { loadTargets } from '../compliance/targets.ts';
import { configFromEnv } from '../config-env.ts';
import { WanxiangError, errorCatalogue, type ErrorCode } from '../errors.ts';
import { buildOfficialReport } from '../reports/official-report.ts';
import { officialReportXlsx } from '../reports/report-xlsx.ts';
import { createMarkStore, tellUnreadableRecords } from '../review/mark-store.ts';
import { createReviewService } from '../review/review-service.ts';
import { readRuntime } from '../runtime-file.ts';
import { createInfluxClient } from '../storage/influx-client.ts';
import { assertWritableTarget, commandContext, shared } from './common.ts';
import { assertOutputTarget, writeOutputTarget } from './output-file.ts';
import { readSecret } from './secret-input.ts';
import { step } from './failure.ts';
import { locateInflux, type Located } from './locate.ts';
import { helpText, option, parseCommand } from './options.ts';

// The plan's period parser, the one the API and the report routes use (compliance/plan-period.ts).
const period = option.custom<string>('P', 'the period', PLAN_PERIOD_FORMS, (text) => {
  try {
    parsePlanPeriod(text, Date.now());
    return text;
  } catch {
    return undefined; // not a plan period: the parser names --period and the forms it takes
  }
});

const spec = {
  name: 'report',
  summary: "the plan's targets for a period, as a report an officer can hand on",
  description: `Reads the running platform's API (--api, else the one in the data folder's runtime.json); when
no platform answers, reads the rollups from InfluxDB directly (--influx-url, INFLUX_URL, or the one
runtime.json names). It never guesses an address. The report goes to stdout (or --out); logs and
errors go to stderr, so --format json pipes into jq.`,
  options: {
    period: period.require(),
    format: option.choice('F', 'md, csv, json, or xlsx (the official tables, one sheet a table)', ['md', 'csv', 'json', 'xlsx'] as const).default('md'),
    lang: option.choice('L', 'the language of the document: zh or en', ['zh', 'en'] as const).default('zh'),
    api: option.url('URL', "the platform's HTTP API (default: the running platform's, from runtime.json)", ['http:', 'https:']),
    'influx-url': option.url('URL', 'the InfluxDB to read the rollups from when no platform answers (default INFLUX_URL, else runtime.json\'s)', ['http:', 'https:']),
    'data-dir': shared.dataDir(),
    'token-file': option.string('FILE', 'a bearer token for the API, read from FILE or stdin (-): a platform with WX_API_READ_ACCESS=token needs one; an officer\'s shows its name on the marks'),
    out: option.string('FILE', 'write to FILE instead of standard output: a new file, never one in a data folder'),
    force: option.flag('replace the --out file if it exists'),
  },
};

export const reportHelp = helpText(spec);

/** What the report reads: a platform's API, or InfluxDB directly. */
interface ReportSource {
  compliance(periodId: string): Promise<ComplianceReport>;
  workbook(periodId: string, lang: 'zh' | 'en'): Promise<Buffer>;
}

async function fetchApi(api: Located, path: string, token: string | undefined): Promise<Response> {
  try {
    return await fetch(`${api.url.replace(/\/$/, '')}${path}`, { signal: AbortSignal.timeout(300_000), ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new WanxiangError('WX_ERR_CONNECTION', `cannot reach the API at ${api.url} (${api.source})${cause?.code ? `: ${cause.code}` : ''}; start the platform (npm start) or pass --api URL`, { cause: error });
  }
}

async function refused(api: Located, response: Response): Promise<never> {
  const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  throw new WanxiangError(body.code && Object.hasOwn(errorCatalogue, body.code) ? (body.code as ErrorCode) : 'WX_ERR_INTERNAL', `the API at ${api.url} answered ${response.status}: ${body.message ?? 'the request was refused'}`);
}

function apiSource(api: Located, token: string | undefined): ReportSource {
  return {
    async compliance(periodId) {
      const response = await fetchApi(api, `/api/v1/compliance?period=${encodeURIComponent(periodId)}`, token);
      if (!response.ok) return refused(api, response);
      try {
        return (await response.json()) as ComplianceReport;
      } catch (error) {
        throw new WanxiangError('WX_ERR_CONNECTION', `${api.url} (${api.source}) answered ${response.status} without JSON: is it a Wanxiang API?`, { cause: error });
      }
    },
    async workbook(periodId, lang) {
      const response = await fetchApi(api, `/api/v1/reports?period=${encodeURIComponent(periodId)}&lang=${lang}&format=xlsx`, token);
      if (!response.ok) return refused(api, response);
      return Buffer.from(await response.arrayBuffer());
    },
  };
}

/** The rollups read from InfluxDB by this process: the same computation the API runs (issue 22 item 4). */
async function influxSource(flag: string | undefined, dataDir: string | undefined): Promise<ReportSource> {
  const context = await commandContext(dataDir ? { dataDir } : {});
  const located = await locateInflux(flag, context.config.influx.url, context.config.dataDir);
  const influx = createInfluxClient({ ...context.config.influx, database: located.database ?? context.config.influx.database, url: located.url });
  await step(`cannot reach InfluxDB at ${located.url} (${located.source})`, () => influx.ping());
  const targets = await loadTargets(resolve(context.config.targetsFile));
  const review = createReviewService({ store: createMarkStore(influx, tellUnreadableRecords(context.log)), registry: context.registry, markDirty: () => undefined });
  const deps = () => ({ influx, registry: context.registry, targets, now: Date.now(), review });
  process.stderr.write(`report: no platform answered; reading the rollups from InfluxDB at ${located.url} (${located.source})\n`);
  return {
    compliance: (periodId) => evaluateCompliance(deps(), periodId),
    workbook: async (periodId, lang) => officialReportXlsx(await buildOfficialReport(deps(), periodId, lang)),
  };
}

/** The API named or found in runtime.json, when it answers; else InfluxDB directly. Never a guessed address. */
async function chooseSource(options: { api?: string; 'influx-url'?: string; 'data-dir'?: string; 'token-file'?: string }): Promise<ReportSource> {
  // Red team 8: a platform whose reads need a token could not be reported on (no way to give one).
  const token = options['token-file'] === undefined ? undefined : await readSecret(options['token-file'], 'the API token');
  if (options.api) return apiSource({ url: options.api, source: '--api' }, token);
  const dataDir = options['data-dir'] ?? configFromEnv().dataDir;
  const found = await readRuntime(dataDir);
  if (found.runtime) {
    const api = { url: found.runtime.httpUrl, source: found.path };
    const answers = await fetch(`${api.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(() => true, () => false);
    if (answers) return apiSource(api, token);
  }
  return influxSource(options['influx-url'], options['data-dir']);
}

/** The same period a year before, when that year is one of the plan's (2021 has none: 2020 is the plan's baseline, given from the targets). */
function lastYearId(periodId: string): string | null {
  const year = Number(periodId.slice(0, 4)) - 1;
  return isPlanYear(year) ? `${year}${periodId.slice(4)}` : null;
}

export async function reportCommand(argv: string[]): Promise<void> {
  const { options } = parseCommand(spec, argv);
  if (options.out) {
    await assertWritableTarget(options.out, 'the report');
    // As record's --out (red team 6): a report never replaces a file unasked, nor a data folder's.
    await assertOutputTarget(options.out, 'the report', { force: options.force === true, config: configFromEnv(process.env, options['data-dir'] ? { dataDir: options['data-dir'] } : {}) });
  }
  const source = await chooseSource(options);
  const writeOut = (out: string | undefined, content: string | Buffer) => writeReport(out, content, options.force === true);
  if (options.format === 'xlsx') return writeOut(options.out, await source.workbook(options.period, options.lang));
  const body = await source.compliance(options.period);
  let text: string;
  if (options.format === 'json') text = `${JSON.stringify(body, null, 2)}\n`;
  else if (options.format === 'csv') text = formatCsv(body, options.lang);
  else {
    const lastYear = lastYearId(options.period);
    const comparisons: ReportComparisons = lastYear ? { lastYear: await source.compliance(lastYear) } : {};
    text = formatMarkdown(body, options.lang, comparisons);
  }
  await writeOut(options.out, text);
}

async function writeReport(out: string | undefined, content: string | Buffer, force: boolean): Promise<void> {
  // Exclusive unless --force, and --force replaces the name: what appeared there since the check is neither replaced unasked nor written through.
  if (out) await step(`cannot write the report ${out}`, () => writeOutputTarget(out, content, 'the report', { force }));
  else process.stdout.write(content);
}
