// `npm run dashboards`: writes dashboards/json/*.json from the code (and removes files no dashboard makes).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { buildAll } from './build-all.ts';

const out = new URL('../json/', import.meta.url);
const files = await buildAll();
await mkdir(out, { recursive: true });
for (const name of await readdir(out)) if (name.endsWith('.json') && !files.has(name)) await rm(new URL(name, out));
for (const [name, text] of files) await writeFile(new URL(name, out), text);
process.stderr.write(`[dashboards] wrote ${files.size} dashboards to dashboards/json\n`);
