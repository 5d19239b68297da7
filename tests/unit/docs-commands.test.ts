import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** Every `wanxiang …` command line inside a fenced code block of the README and docs/. */
async function commandLinesOfDocs(): Promise<Array<{ page: string; line: string }>> {
  const pages = ['README.md', ...(await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  const found: Array<{ page: string; line: string }> = [];
  for (const page of pages) {
    const text = await readFile(join(root, page), 'utf8');
    for (const block of text.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)) {
      const lines = block[1]!.replace(/\\\n\s*/g, ' ').split('\n');
      for (const raw of lines) {
        const match = /(?:^|[\s;&|(]|^\$ )(?:npx |node bin\/)?wanxiang(?:\.js)? ([a-z][a-z-]*)(.*)$/.exec(raw.trim());
        if (match) found.push({ page, line: `${match[1]}${match[2]}` });
      }
    }
  }
  return found;
}

const helpCache = new Map<string, Promise<string>>();
function helpOf(command: string): Promise<string> {
  let help = helpCache.get(command);
  if (!help) {
    help = run(process.execPath, [join(root, 'bin/wanxiang.js'), command, '--help'], { cwd: root }).then(
      ({ stdout }) => stdout,
      () => '',
    );
    helpCache.set(command, help);
  }
  return help;
}

describe('the commands the docs show', () => {
  it('exist, with every flag they use (checked against each command\'s --help)', async () => {
    const lines = await commandLinesOfDocs();
    expect(lines.length).toBeGreaterThan(5);
    const problems: string[] = [];
    for (const { page, line } of lines) {
      const [command = '', ...rest] = line.split(/\s+/);
      const help = await helpOf(command);
      if (!help) {
        problems.push(`${page}: \`wanxiang ${line}\`: no command ${command}`);
        continue;
      }
      for (const flag of rest.filter((word) => /^--[a-z][a-z0-9-]*/.test(word)).map((word) => word.replace(/[=,;)].*$/, ''))) {
        if (!help.includes(flag)) problems.push(`${page}: \`wanxiang ${line}\`: ${command} has no ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  }, 180_000);
});
