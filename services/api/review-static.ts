import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const reviewPage = join(dirname(fileURLToPath(import.meta.url)), '..', 'screen', 'review.html');

/**
 * The officer's review page (issue 22 item 1) at /review, served like the desk: the page itself holds
 * no data (public); it asks for a token, and its data and marks come from routes that declare
 * `access: 'officer'` (GET /api/v1/review/view, POST /api/v1/review/marks). Script and style through /screen/:file.
 */
export function registerReviewPage(app: FastifyInstance): void {
  app.get('/review', { config: { access: 'public', pageQuery: true }, schema: { summary: 'The review page: a device’s series with marks and flags; select a range and mark it (HTML)', produces: ['text/html'] } }, async (_request, reply) => {
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(reviewPage));
  });
}
