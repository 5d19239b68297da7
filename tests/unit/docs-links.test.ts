import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** The pages a reader follows links through: the README, the changelog and every page of docs/. */
async function pages(): Promise<string[]> {
  const docs = (await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
  return ['README.md', 'CHANGELOG.md', ...docs];
}

/** Code is not prose: a `](` or a `#` inside a code block or inline code is no link or heading. */
const withoutCodeBlocks = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');
const withoutCode = (text: string) => withoutCodeBlocks(text).replace(/`[^`\n]*`/g, '');

/** Markdown links and images, `[text](target)` and `![alt](target)`, with an optional title. */
const linkTargets = (text: string) => [...withoutCode(text).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of withoutCodeBlocks(text).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    anchors.add(heading!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-'));
  }
  return anchors;
}
describe('the links of the README and docs/', () => {
  it('point to files that exist (and to headings that exist in them)', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const page of await pages()) {
      const text = await readFile(join(root, page), 'utf8');
      for (const target of linkTargets(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: … are not ours to check here
        checked += 1;
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? join(root, page) : resolve(dirname(join(root, page)), decodeURI(path));
        const fromRoot = relative(root, file);
        if (!existsSync(file)) {
          problems.push(`${page}: ${target}: no file ${fromRoot}`);
          continue;
        }
        if (anchor && fromRoot.endsWith('.md') && !anchorsOf(await readFile(file, 'utf8')).has(anchor)) {
          problems.push(`${page}: ${target}: no heading #${anchor} in ${fromRoot}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });
});
