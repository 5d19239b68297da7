import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { WanxiangError, isWanxiangError } from '../errors.ts';
import { MAX_BYTES, decodeInput, evaluateBatch, formatResults, isRowError, type EvaluateResult, type InputFormat } from '../evaluate/index.ts';

export const evaluateHelp = `wanxiang evaluate FILE|-: check manual samples or lab results against the standards (nothing is stored)

FILE (or - for stdin) holds rows as NDJSON (one JSON object a line), CSV with a header line of the
same names, or a JSON array; kinds air-day, air-hour, water and noise. One JSON line per row is
printed to stdout, in the input's order, with the row's id; a bad row prints {"error":{code,message}}
in its place. A count of good and bad rows goes to stderr. At most 10,000 rows and 5 MiB.

Options:
  --format F    auto (default: { NDJSON, [ JSON array, else CSV), ndjson, csv or json

Exit code: 0 every row was evaluated; 1 at least one row had an error (the others were still
evaluated); 2 the input could not be read as rows (no file, not UTF-8, too large, no rows, bad header).
`;

const formats: readonly InputFormat[] = ['auto', 'ndjson', 'csv', 'json'];

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

function usageError(message: string): never {
  throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `${message}\n\n${evaluateHelp}`);
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', default: 'auto' } } });
  } catch (error) {
    // node:util parseArgs refuses unknown options with ERR_PARSE_ARGS_* codes.
    if (!String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw error;
    return usageError((error as Error).message);
  }
}

function parseCommandLine(argv: string[]): { path: string; format: InputFormat } {
  const { values, positionals } = parseOptions(argv);
  const [path, ...extra] = positionals;
  if (path === undefined) usageError('a FILE (or - for stdin) is required');
  if (extra.length > 0) usageError(`one FILE at a time, not ${positionals.length}`);
  const format = formats.find((candidate) => candidate === values.format);
  if (format === undefined) usageError(`--format must be one of ${formats.join(', ')}, not ${values.format}`);
  return { path, format };
}

async function readSource(path: string): Promise<Buffer> {
  try {
    return await readCapped(path === '-' ? process.stdin : createReadStream(path));
  } catch (error) {
    throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', `cannot read ${path}: ${(error as Error).message}`, { value: path, cause: error });
  }
}

export async function evaluateCommand(argv: string[]): Promise<void> {
  let results: EvaluateResult[];
  try {
    const { path, format } = parseCommandLine(argv);
    results = evaluateBatch(decodeInput(await readSource(path)), format);
  } catch (error) {
    if (!isWanxiangError(error)) throw error;
    process.stderr.write(`${error.code}: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const bad = results.filter(isRowError).length;
  process.stdout.write(formatResults(results));
  process.stderr.write(`${results.length} row${results.length === 1 ? '' : 's'}: ${results.length - bad} evaluated, ${bad} with an error\n`);
  process.exitCode = bad === 0 ? 0 : 1;
}
