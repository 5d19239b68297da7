import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
// What is not the project's own text: dependencies, git, and what .gitignore keeps out.
const skipped = new Set(['node_modules', '.git', 'dist', 'coverage', 'data', 'bench-profiles', 'tests/artifacts']);

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(root, path);
    if (skipped.has(entry.name) || skipped.has(rel) || entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile() && !entry.name.endsWith('.log')) yield rel;
  }
}

/**
 * Issue 25, items 3 and 5: a family lives in its own files. Every file that names the family id
 * must be the family's module (and its line in the family registry), its simulator (and its line
 * in the simulator registry), a seed (registry lines, routes, rules), a dashboard generated from
 * the module, a doc or a test; the screen, the live API, Grafana's generator, the alarm engine and
 * the map find the family through its module.
 */
const allowed: Record<string, readonly RegExp[]> = {
  // The id, and the names made from it (waterloggingFamily, simulateEvCharging, ev-charging.ts).
  waterlogging: [
    /^services\/families\/(waterlogging|index)\.ts$/,
    /^simulators\/families\/(waterlogging|rain-cells|index)\.ts$/,
  ],
  ev_charging: [
    /^services\/families\/(ev-charging|index)\.ts$/,
    /^simulators\/families\/(ev-charging|index)\.ts$/,
  ],
};
const mentions: Record<string, RegExp> = { waterlogging: /waterlogging/i, ev_charging: /ev[_ -]?charging/i };
const everywhere = [/^README\.md$/, /^seeds\//, /^dashboards\/json\/[a-z_-]+\.json$/, /^docs\//, /^tests\//, /^CHANGELOG\.md$/];

describe('each new family lives in its own files (issue 25)', async () => {
  const texts = new Map<string, string>();
  for await (const file of files(root)) texts.set(file, await readFile(join(root, file), 'utf8'));

  for (const [family, own] of Object.entries(allowed)) {
    const naming = [...texts].filter(([, text]) => mentions[family]!.test(text)).map(([file]) => file).sort();
    it(`only the ${family} family's module, simulator, seeds, rules, generated dashboards, docs and tests name "${family}"`, () => {
      const strays = naming.filter((file) => ![...own, ...everywhere].some((pattern) => pattern.test(file)));
      expect(strays).toEqual([]);
      // And it does live there: the module, the simulator and the seeds name it.
      expect(naming.filter((file) => own.some((pattern) => pattern.test(file))).length).toBeGreaterThanOrEqual(4);
      expect(naming).toEqual(expect.arrayContaining(['seeds/devices.json', 'seeds/alarm-rules.json', 'seeds/departments.json']));
    });
  }
});
