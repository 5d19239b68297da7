/**
 * Spool error codes not yet in services/errors.ts. They are kept here as plain
 * strings until they move into the catalogue; the shape (code + failing value)
 * matches WanxiangError so callers can treat both alike.
 */
export const spoolErrorCodes = {
  WX_ERR_SPOOL_FULL: 'the spool is at its disk quota; the append was refused and nothing was written',
  WX_ERR_SPOOL_CORRUPT: 'a spool file failed its checksum or could not be parsed',
  WX_ERR_SPOOL_UNAVAILABLE: 'the spool is closed or stopped after a write or fsync failure; nothing was acknowledged',
} as const;

export type SpoolErrorCode = keyof typeof spoolErrorCodes;

export class SpoolError extends Error {
  readonly code: SpoolErrorCode;
  readonly value: unknown;

  constructor(code: SpoolErrorCode, message: string, options: { value?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpoolError';
    this.code = code;
    this.value = options.value;
  }
}

export function isSpoolError(error: unknown, code?: SpoolErrorCode): error is SpoolError {
  return error instanceof SpoolError && (code === undefined || error.code === code);
}
