import { WanxiangError, isWanxiangError, type ErrorCode } from '../errors.ts';
import { isUsageError } from './options.ts';

/** What the process says and how it ends for an error that reached the top of a command. */
export interface Outcome {
  readonly text: string;
  readonly exitCode: 1 | 2 | 3;
}

// Issue 19, item 7: the state says no (the device exists already), not the arguments (2) nor the
// outside world (1): exit 3, so a script can tell "nothing to do" from a failure.
const conflictCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['WX_ERR_DEVICE_EXISTS']);

// Node's system error codes, sorted into the catalogue's operational failures.
const systemCodes: Record<string, ErrorCode> = {
  ENOENT: 'WX_ERR_FILE',
  EACCES: 'WX_ERR_FILE',
  EPERM: 'WX_ERR_FILE',
  EISDIR: 'WX_ERR_FILE',
  ENOTDIR: 'WX_ERR_FILE',
  EROFS: 'WX_ERR_FILE',
  ENOSPC: 'WX_ERR_FILE',
  EEXIST: 'WX_ERR_FILE',
  Z_DATA_ERROR: 'WX_ERR_FILE',
  Z_BUF_ERROR: 'WX_ERR_FILE',
  ECONNREFUSED: 'WX_ERR_CONNECTION',
  ECONNRESET: 'WX_ERR_CONNECTION',
  ENOTFOUND: 'WX_ERR_CONNECTION',
  EAI_AGAIN: 'WX_ERR_CONNECTION',
  ETIMEDOUT: 'WX_ERR_CONNECTION',
  EHOSTUNREACH: 'WX_ERR_CONNECTION',
  ENETUNREACH: 'WX_ERR_CONNECTION',
  UND_ERR_CONNECT_TIMEOUT: 'WX_ERR_CONNECTION',
  EADDRINUSE: 'WX_ERR_PORT_IN_USE',
  EADDRNOTAVAIL: 'WX_ERR_PORT_IN_USE',
};

/** The system error code of an error or of its cause (fetch hides ECONNREFUSED in `cause`). */
function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(systemCodes, code)) return code;
  }
  return undefined;
}

/** An error as a coded WanxiangError: ours as they are, system errors by their code, the rest internal. */
export function asCoded(error: unknown, context?: string): WanxiangError {
  if (isWanxiangError(error)) return error;
  const code = systemCode(error);
  const message = (error as Error | undefined)?.message ?? String(error);
  const cause = (error as { cause?: { message?: string } } | undefined)?.cause;
  const detail = cause?.message && !message.includes(cause.message) ? `${message} (${cause.message})` : message;
  const text = context ? `${context}: ${detail}` : detail;
  return new WanxiangError(code ? systemCodes[code]! : 'WX_ERR_INTERNAL', text, { cause: error });
}

/** One line (plus the usage for a usage error); never a stack trace. */
export function outcomeOf(error: unknown, command: string): Outcome {
  if (isUsageError(error)) return { text: `WX_ERR_INVALID_ARGUMENT: ${command}: ${error.message}\n\n${error.help}`, exitCode: 2 };
  const coded = asCoded(error);
  const oneLine = coded.message.split('\n')[0]!.trim();
  return { text: `${coded.code}: ${command}: ${oneLine}\n`, exitCode: conflictCodes.has(coded.code) ? 3 : 1 };
}

/** Wraps a step that touches the outside world, naming what failed in the coded error. */
export async function step<T>(context: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asCoded(error, context);
  }
}
