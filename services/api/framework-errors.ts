import type { ErrorCode } from '../errors.ts';

/**
 * Fastify's own refusals (a body too large, a media type no parser takes, a body that is not JSON)
 * in the catalogue's terms, each with its own status and code, never WX_ERR_NOT_FOUND (issue 18
 * item 20). Null for anything that is not a client error: that one is a 500, logged.
 */
export function answerFrameworkError(error: unknown): { status: number; code: ErrorCode; message: string } | null {
  const { statusCode: status, code, message } = error as { statusCode?: number; code?: string; message?: string };
  if (!status || status < 400 || status >= 500) return null;
  const text = String(message ?? '').slice(0, 200);
  if (status === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'WX_ERR_PAYLOAD_TOO_LARGE', message: 'the body is larger than this route takes' };
  if (status === 415 || code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, code: 'WX_ERR_UNSUPPORTED_MEDIA_TYPE', message: 'the body’s content type is not one this route reads (application/json for the API’s bodies)' };
  if (status === 404) return { status, code: 'WX_ERR_NOT_FOUND', message: text };
  return { status, code: 'WX_ERR_INVALID_ARGUMENT', message: text };
}
