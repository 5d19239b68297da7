import { WanxiangError, type ErrorCode } from '../errors.ts';

/** The catalogue codes the spool raises (services/errors.ts holds their text and status). */
export const spoolErrorCodes = ['WX_ERR_SPOOL_FULL', 'WX_ERR_SPOOL_CORRUPT', 'WX_ERR_SPOOL_UNAVAILABLE', 'WX_ERR_DISK_FULL'] as const satisfies readonly ErrorCode[];

export type SpoolErrorCode = (typeof spoolErrorCodes)[number];

/** A WanxiangError from the spool, so callers can tell spool failures from others. */
export class SpoolError extends WanxiangError {
  declare readonly code: SpoolErrorCode;

  constructor(code: SpoolErrorCode, message: string, options: { value?: unknown; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'SpoolError';
  }
}

export function isSpoolError(error: unknown, code?: SpoolErrorCode): error is SpoolError {
  return error instanceof SpoolError && (code === undefined || error.code === code);
}
