import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const deskPage = join(dirname(fileURLToPath(import.meta.url)), '..', 'screen', 'desk.html');

/** The duty desk (issue 23, item 5) at /desk, a page like the wall's (public: it asks for a token before it reads events); its script and style come through /screen/:file. */
export function registerDesk(app: FastifyInstance): void {
  app.get('/desk', { config: { access: 'public', pageQuery: true }, schema: { summary: 'The duty desk: events, timelines, actions, the shift handover (HTML)', tags: ['events'], produces: ['text/html'] } }, async (_request, reply) => {
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(deskPage));
  });
}
