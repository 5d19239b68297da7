import { errorCatalogue, type ErrorCode } from '../errors.ts';

/** The code of an aedes client error, or null when the event was counted already under its own code. */
export function codeForClientError(error: Error): ErrorCode | null {
  // A refused login reaches clientError too, with authenticate's code as its message: it is
  // counted once, as wanxiang_auth_failures_total{code}, not again as a protocol error.
  if (Object.hasOwn(errorCatalogue, error.message)) return null;
  return /is not allowed in PUBLISH/.test(error.message) ? 'WX_ERR_WILDCARD_PUBLISH' : 'WX_ERR_PROTOCOL';
}
