import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WanxiangError } from '../errors.ts';

const screenDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'screen');
// ECharts from its npm package: the screen works with no internet and no CDN.
const echartsFile = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
const types: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml',
};
// Only plain file names: no slashes, no dots beyond the extension, so no path can leave the folder.
const fileName = z.string().regex(/^[a-z0-9-]{1,40}\.(js|css|svg)$/, 'a file of the screen (name.js, name.css, name.svg)');

/** The operations-centre screen: / (wall and phone, by media query), its files under /screen/, ECharts. */
export function registerScreen(app: FastifyInstance): void {
  const send = async (path: string, type: string) => ({ body: await readFile(path), type });

  app.get('/', { config: { access: 'public', pageQuery: true }, schema: { summary: 'The operations-centre screen (HTML)', produces: ['text/html'] } }, async (_request, reply) => {
    const { body, type } = await send(join(screenDir, 'index.html'), types.html!);
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  });

  app.get('/screen/:file', { config: { access: 'public', pageQuery: true }, schema: { summary: 'A file of the screen (script, style, icon)', params: z.strictObject({ file: fileName }) } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const body = await readFile(join(screenDir, file)).catch(() => {
      throw new WanxiangError('WX_ERR_NOT_FOUND', `no screen file ${file}`);
    });
    return reply.type(types[file.split('.').pop()!]!).header('cache-control', 'no-cache').send(body);
  });

  app.get('/vendor/echarts.min.js', { config: { access: 'public', pageQuery: true }, schema: { summary: 'Apache ECharts, served from node_modules' } }, async (_request, reply) => {
    const { body } = await send(echartsFile, types.js!);
    return reply.type(types.js!).header('cache-control', 'public, max-age=86400').send(body);
  });
}
