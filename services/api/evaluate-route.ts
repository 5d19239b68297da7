import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WanxiangError, isWanxiangError } from '../errors.ts';
import { MAX_BYTES, decodeInput, evaluateBatchInSlices, formatResults, type InputFormat } from '../evaluate/index.ts';
import { createBoundedTurns } from './bounded-turns.ts';

// The body's media type decides how it is read; text/plain is sniffed ({ NDJSON, [ JSON array, else CSV).
const formatByType: Readonly<Record<string, InputFormat>> = {
  'application/x-ndjson': 'ndjson',
  'text/csv': 'csv',
  'text/plain': 'auto',
  'application/json': 'json',
};
const ACCEPTED = Object.keys(formatByType);
/** Evaluations that may wait behind the one running, and what a refused one is told to wait (seconds). */
export const evaluationsWaiting = 4;
const evaluateRetryAfterS = 2;
const errorBody = z.object({ code: z.string(), message: z.string() });

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Fastify's own refusals of a body, in the catalogue's terms; null for anything else. */
function asCatalogueError(error: FastifyError, request: FastifyRequest): WanxiangError | null {
  if (isWanxiangError(error)) return error;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new WanxiangError('WX_ERR_PAYLOAD_TOO_LARGE', `the body is larger than ${MAX_BYTES} bytes (5 MiB)`);
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const type = mediaType(request) || 'none';
    return new WanxiangError('WX_ERR_BAD_ROW', `content type ${type} is not accepted; send rows as ${ACCEPTED.join(', ')}`, { value: type });
  }
  return null;
}

/**
 * POST /api/v1/evaluate, in its own encapsulated context: its body parsers (every accepted type
 * read as raw bytes, up to 5 MiB) and its error handler apply to this route only.
 */
async function evaluateRoutes(scope: FastifyInstance): Promise<void> {
  // Its own zod compilers, so the route stands alone (tests register it on a bare Fastify).
  scope.setValidatorCompiler(validatorCompiler);
  scope.setSerializerCompiler(serializerCompiler);
  scope.removeAllContentTypeParsers();
  const turns = createBoundedTurns({ waiting: evaluationsWaiting, busyMessage: `an evaluation is running and ${evaluationsWaiting} wait for their turn: ask again in ${evaluateRetryAfterS} s` });
  scope.addContentTypeParser(ACCEPTED, { parseAs: 'buffer', bodyLimit: MAX_BYTES }, (_request, body, done) => done(null, body));

  scope.setErrorHandler((error: FastifyError, request, reply) => {
    const known = asCatalogueError(error, request);
    // Anything else goes on to the application's error handler.
    if (known === null) throw error;
    return reply.code(known.status).send({ code: known.code, message: known.message });
  });

  scope.post('/api/v1/evaluate', {
    schema: {
      summary: 'Evaluate samples against the standards (nothing stored): air-day, air-hour, water, noise rows',
      consumes: ACCEPTED,
      // The body is read as raw bytes by the parsers above and decoded row by row; the schema documents it.
      body: z.any().describe('rows as NDJSON, CSV or a JSON array; at most 10,000 rows and 5 MiB (413 beyond)'),
      produces: ['application/x-ndjson'],
      response: {
        200: z.string().describe('NDJSON: one result (or one row error) per input row, in order'),
        400: errorBody, 413: errorBody, 503: errorBody.describe('WX_ERR_BUSY: as many evaluations wait for their turn as allowed; ask again after Retry-After'),
      },
    },
  }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    // A read anyone may send (open by default): one at a time, in slices (evaluateBatchInSlices), so
    // back-to-back batches cannot hold the platform's thread (red team, HTTP pass 3).
    const results = await turns.run(() => evaluateBatchInSlices(decodeInput(body), formatByType[mediaType(request)] ?? 'auto')).catch((error: unknown) => {
      if (isWanxiangError(error) && error.code === 'WX_ERR_BUSY') reply.header('retry-after', String(evaluateRetryAfterS));
      throw error;
    });
    // 200 even when some rows are bad: each bad row carries its own error in its place.
    return reply.code(200).type('application/x-ndjson; charset=utf-8').send(formatResults(results));
  });
}

/** Registers POST /api/v1/evaluate (a batch of samples evaluated against the standards, nothing stored). */
export function registerEvaluateRoute(app: FastifyInstance): void {
  app.register(evaluateRoutes);
}
