/**
 * The one command-line parser every command uses: options are declared once, with their
 * type, range and default, and the same declaration parses argv and prints --help. A bad
 * or missing argument is a UsageError (one line naming it and what it accepts, then the
 * usage; exit 2), never a library's exception (habit 14 of the conventions).
 */

/** A bad or missing argument: main prints its line and the command's help, and exits 2. */
export class UsageError extends Error {
  readonly help: string;

  constructor(message: string, help: string) {
    super(message);
    this.name = 'UsageError';
    this.help = help;
  }
}

export function isUsageError(error: unknown): error is UsageError {
  return error instanceof UsageError;
}

/** One option: how it reads its text, what it accepts (said in errors and help), its default. */
export interface Option<T, Known extends boolean = boolean> {
  /** `N`, `URL`, `FILE`...; absent for a flag, which takes no value. */
  readonly placeholder?: string;
  readonly describe: string;
  /** What it accepts, as the error line says it: `an integer from 0 to 65535`. */
  readonly accepts: string;
  /** The value, or undefined when the text is not acceptable. */
  readonly convert: (text: string) => T | undefined;
  readonly fallback?: { readonly value: unknown; readonly text: string };
  readonly repeatable: boolean;
  readonly required: boolean;
  /** Phantom: whether the parsed value is always there (a default, required, or repeatable). */
  readonly known?: Known;
}

type Base<T> = Omit<Option<T, false>, 'repeatable' | 'required' | 'fallback' | 'known'>;

export interface OptionBuilder<T> extends Option<T, false> {
  default(value: T, text?: string): Option<T, true>;
  require(): Option<T, true>;
  many(): Option<T[], true>;
}

function build<T>(base: Base<T>): OptionBuilder<T> {
  const option: Option<T, false> = { ...base, repeatable: false, required: false };
  return {
    ...option,
    default: (value, text) => ({ ...option, fallback: { value, text: text ?? String(value) } }) as Option<T, true>,
    require: () => ({ ...option, required: true }) as Option<T, true>,
    many: () => ({ ...option, repeatable: true, fallback: { value: [], text: '' } }) as unknown as Option<T[], true>,
  };
}

const integerPattern = /^[+-]?\d+$/;
const numberPattern = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export const option = {
  string: (placeholder: string, describe: string, accepts = 'a non-empty text') =>
    build<string>({ placeholder, describe, accepts, convert: (text) => (text === '' ? undefined : text) }),
  flag: (describe: string) => build<boolean>({ describe, accepts: 'no value', convert: () => true }),
  integer: (placeholder: string, describe: string, range: { min: number; max?: number }) =>
    build<number>({
      placeholder,
      describe,
      accepts: range.max === undefined ? `an integer from ${range.min}` : `an integer from ${range.min} to ${range.max}`,
      convert: (text) => {
        if (!integerPattern.test(text)) return undefined;
        const value = Number(text);
        return Number.isSafeInteger(value) && value >= range.min && value <= (range.max ?? Number.MAX_SAFE_INTEGER) ? value : undefined;
      },
    }),
  /** A number above `above` (exclusive) or from `min` (inclusive), and at most `max`. */
  number: (placeholder: string, describe: string, range: { above?: number; min?: number; max?: number }) => {
    const lower = range.above !== undefined ? `above ${range.above}` : range.min !== undefined ? `from ${range.min}` : '';
    const upper = range.max === undefined ? '' : range.above !== undefined ? ` and at most ${range.max}` : ` to ${range.max}`;
    return build<number>({
      placeholder,
      describe,
      accepts: `a number ${lower}${upper}`.trimEnd(),
      convert: (text) => {
        if (!numberPattern.test(text)) return undefined;
        const value = Number(text);
        const aboveLower = range.above !== undefined ? value > range.above : value >= (range.min ?? Number.NEGATIVE_INFINITY);
        return Number.isFinite(value) && aboveLower && value <= (range.max ?? Number.POSITIVE_INFINITY) ? value : undefined;
      },
    });
  },
  choice: <C extends string>(placeholder: string, describe: string, choices: readonly C[]) =>
    build<C>({ placeholder, describe, accepts: `one of ${choices.join(', ')}`, convert: (text) => choices.find((choice) => choice === text) }),
  url: (placeholder: string, describe: string, protocols: readonly string[]) =>
    build<string>({
      placeholder,
      describe,
      accepts: `a URL with a host (${protocols.map((protocol) => `${protocol}//`).join(', ')})`,
      convert: (text) => {
        try {
          const url = new URL(text);
          return protocols.includes(url.protocol) && url.hostname !== '' ? text : undefined;
        } catch {
          return undefined; // not a URL: the caller names the option and what it accepts
        }
      },
    }),
  /** Any value the given function takes (dates, NAME=RATE pairs); it returns undefined to refuse. */
  custom: <T>(placeholder: string, describe: string, accepts: string, convert: (text: string) => T | undefined) =>
    build<T>({ placeholder, describe, accepts, convert }),
};

export type Options = Record<string, Option<unknown>>;
export type Values<O extends Options> = {
  [K in keyof O]: O[K] extends Option<infer T, infer Known> ? (Known extends true ? T : T | undefined) : never;
};

export interface Positional {
  readonly name: string;
  readonly describe: string;
  readonly required: boolean;
}

export interface CommandSpec<O extends Options> {
  readonly name: string;
  readonly summary: string;
  /** Extra lines between the usage and the options. */
  readonly description?: string;
  readonly positionals?: readonly Positional[];
  readonly options: O;
  /** Lines after the options (environment, notes). */
  readonly footer?: string;
  /** The exit codes, where the command's differ from every other's. */
  readonly exitCodes?: string;
}

const exitCodes = 'Exit codes: 0 done; 1 an operational failure (file, connection, port, write), with its WX_ERR_* code on\nstderr; 2 a bad or missing argument, named on stderr above this usage.';

/** The command's --help text, built from its declaration. */
export function helpText<O extends Options>(spec: CommandSpec<O>): string {
  const positionals = (spec.positionals ?? []).map((p) => (p.required ? ` ${p.name}` : ` [${p.name}]`)).join('');
  const lines = [`wanxiang ${spec.name}: ${spec.summary}`, '', `Usage: wanxiang ${spec.name}${positionals} [options]`];
  if (spec.description) lines.push('', spec.description.trimEnd());
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const left = `  --${name}${o.placeholder ? ` ${o.placeholder}` : ''}`;
    const suffix = o.required ? ' (required)' : o.fallback && o.fallback.text ? ` (default ${o.fallback.text})` : '';
    return [left, `${o.describe}${suffix}${o.repeatable ? '; repeatable' : ''}`] as const;
  });
  const width = Math.max(20, ...rows.map(([left]) => left.length + 2));
  if (rows.length > 0) lines.push('', 'Options:', ...rows.map(([left, right]) => `${left.padEnd(width)}${right}`));
  lines.push(`  ${'--help'.padEnd(width - 2)}this text`);
  if (spec.footer) lines.push('', spec.footer.trimEnd());
  lines.push('', spec.exitCodes ?? exitCodes, '');
  return lines.join('\n');
}

const show = (text: string) => JSON.stringify(text);

/**
 * Parses argv against the declaration: `--name value`, `--name=value`, flags, positionals,
 * `--` ending the options. A value may start with '-' (`--ws-port -1`): the range check, not
 * the tokenizer, decides whether it is acceptable.
 */
export function parseCommand<O extends Options>(spec: CommandSpec<O>, argv: readonly string[]): { options: Values<O>; positionals: string[] } {
  const help = helpText(spec);
  const fail = (message: string): never => {
    throw new UsageError(message, help);
  };
  const raw = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i]!;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    const [name, inline] = token.startsWith('--') ? splitInline(token.slice(2)) : [token.slice(1), undefined];
    const declared = Object.hasOwn(spec.options, name) ? spec.options[name] : undefined;
    if (!declared) fail(`unknown option ${show(token.split('=')[0]!)}; 'wanxiang ${spec.name} --help' lists the options`);
    let text: string;
    if (!declared!.placeholder) {
      if (inline !== undefined) fail(`--${name} is a flag and takes no value, not ${show(inline)}`);
      text = '';
    } else if (inline !== undefined) {
      text = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) fail(`--${name} needs a value: ${declared!.accepts}`);
      text = next!;
      i += 1;
    }
    const list = raw.get(name) ?? [];
    if (list.length > 0 && !declared!.repeatable) fail(`--${name} is given twice; it takes one value`);
    raw.set(name, [...list, text]);
  }
  const options: Record<string, unknown> = {};
  for (const [name, declared] of Object.entries(spec.options)) {
    const texts = raw.get(name);
    if (!texts) {
      if (declared.required) fail(`--${name} is required: ${declared.accepts}`);
      if (declared.fallback) options[name] = declared.fallback.value;
      continue;
    }
    const values = texts.map((text) => {
      const value = declared.convert(text);
      if (value === undefined) fail(`--${name} takes ${declared.accepts}, not ${show(text)}`);
      return value;
    });
    options[name] = declared.repeatable ? values : values[0];
  }
  const declaredPositionals = spec.positionals ?? [];
  const missing = declaredPositionals.slice(positionals.length).find((p) => p.required);
  if (missing) fail(`${missing.name} is required: ${missing.describe}`);
  if (positionals.length > declaredPositionals.length) {
    fail(declaredPositionals.length === 0 ? `unexpected argument ${show(positionals[0]!)}; this command takes options only` : `unexpected argument ${show(positionals[declaredPositionals.length]!)}`);
  }
  return { options: options as Values<O>, positionals };
}

function splitInline(text: string): [string, string | undefined] {
  const equals = text.indexOf('=');
  return equals < 0 ? [text, undefined] : [text.slice(0, equals), text.slice(equals + 1)];
}
