import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { WanxiangError, isWanxiangError } from '../errors.ts';
import { MAX_BYTES, decodeInput, evaluateBatch, formatResults, type InputFormat } from '../evaluate/index.ts';

// The body's media type decides how it is read; text/plain is sniffed ({ NDJSON, [ JSON array, else CSV).
const formatByType: Readonly<Record<string, InputFormat>> = {
  'application/x-ndjson': 'ndjson',
  'text/csv': 'csv',
  'text/plain': 'auto',
  'application/json': 'json',
};
const ACCEPTED = Object.keys(formatByType);

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
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(ACCEPTED, { parseAs: 'buffer', bodyLimit: MAX_BYTES }, (_request, body, done) => done(null, body));

  scope.setErrorHandler((error: FastifyError, request, reply) => {
    const known = asCatalogueError(error, request);
    // Anything else goes on to the application's error handler.
    if (known === null) throw error;
    return reply.code(known.status).send({ code: known.code, message: known.message });
  });

  scope.post('/api/v1/evaluate', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const results = evaluateBatch(decodeInput(body), formatByType[mediaType(request)] ?? 'auto');
    // 200 even when some rows are bad: each bad row carries its own error in its place.
    return reply.code(200).type('application/x-ndjson; charset=utf-8').send(formatResults(results));
  });
}

/** Registers POST /api/v1/evaluate (a batch of samples evaluated against the standards, nothing stored). */
export function registerEvaluateRoute(app: FastifyInstance): void {
  app.register(evaluateRoutes);
}
