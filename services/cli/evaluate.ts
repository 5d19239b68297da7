import { createReadStream } from 'node:fs';
import { WanxiangError, isWanxiangError } from '../errors.ts';
import { helpText, option, parseCommand } from './options.ts';
import { formatTable } from '../evaluate/format-table.ts';
import { MAX_BYTES, decodeInput, evaluateBatch, formatResults, isRowError, type EvaluateResult, type InputFormat } from '../evaluate/index.ts';

const formats = ['auto', 'ndjson', 'csv', 'json'] as const satisfies readonly InputFormat[];

const spec = {
  name: 'evaluate',
  summary: 'check manual samples or lab results against the standards (nothing is stored)',
  positionals: [{ name: 'FILE', describe: 'the rows, or - for stdin', required: true }],
  description: `FILE (or - for stdin) holds rows as NDJSON (one JSON object a line), CSV with a header line of the
same names (or the sheet's Chinese names: pH, 溶解氧, 氨氮, 总磷, 日期, ...), or a JSON array; kinds air-day, air-hour, water and noise. One JSON line per row is
printed to stdout, in the input's order, with the row's id; a bad row prints {"error":{code,message}}
in its place. A count of good and bad rows goes to stderr. At most 10,000 rows and 5 MiB.`,
  options: {
    format: option.choice('F', 'the input: auto ({ NDJSON, [ JSON array, else CSV), ndjson, csv or json', formats).default('auto'),
    output: option.choice('O', 'ndjson (one JSON line a row, for machines) or table (for people)', ['ndjson', 'table'] as const).default('ndjson'),
  },
  exitCodes: `Exit codes: 0 every row was evaluated; 1 at least one row had an error (the others were still
evaluated); 2 a bad argument, or the input could not be read as rows (no file, not UTF-8, too large,
no rows, bad header).`,
};

export const evaluateHelp = helpText(spec);

async function readCapped(source: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    // Stop reading past the limit instead of loading a file of any size.
    if (size > MAX_BYTES) return Buffer.concat([...chunks, bytes]);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

async function readSource(path: string): Promise<Buffer> {
  try {
    return await readCapped(path === '-' ? process.stdin : createReadStream(path));
  } catch (error) {
    throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `cannot read ${path}: ${(error as Error).message}`, { value: path, cause: error });
  }
}

export async function evaluateCommand(argv: string[]): Promise<void> {
  const { options, positionals } = parseCommand(spec, argv);
  const [path] = positionals as [string];
  const format = options.format;
  let results: EvaluateResult[];
  try {
    results = evaluateBatch(decodeInput(await readSource(path)), format);
  } catch (error) {
    if (!isWanxiangError(error)) throw error;
    process.stderr.write(`${error.code}: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const bad = results.filter(isRowError).length;
  process.stdout.write(options.output === 'table' ? formatTable(results) : formatResults(results));
  process.stderr.write(`${results.length} row${results.length === 1 ? '' : 's'}: ${results.length - bad} evaluated, ${bad} with an error\n`);
  process.exitCode = bad === 0 ? 0 : 1;
}
