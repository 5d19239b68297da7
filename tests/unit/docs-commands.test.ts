import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** Every `wanxiang …` command line of the README and docs/: in a fenced code block, or inline code in the prose. */
async function commandLinesOfDocs(): Promise<Array<{ page: string; line: string }>> {
  const pages = ['README.md', ...(await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  const found: Array<{ page: string; line: string }> = [];
  const take = (page: string, raw: string) => {
    const match = /(?:^|[\s;&|(]|^\$ )(?:npx |node bin\/)?wanxiang(?:\.js)? ([a-z][a-z-]*)(.*)$/.exec(raw.trim());
    if (match) found.push({ page, line: `${match[1]}${match[2]}` });
  };
  for (const page of pages) {
    const text = await readFile(join(root, page), 'utf8');
    for (const block of text.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)) {
      for (const raw of block[1]!.replace(/\\\n\s*/g, ' ').split('\n')) take(page, raw);
    }
    // A reader copies `wanxiang devices add … --report-interval 300000` from a sentence as readily as from a block.
    for (const span of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)) take(page, span[1]!);
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
      for (const flag of rest.filter((word) => /^\[?--[a-z][a-z0-9-]*/.test(word)).map((word) => word.replace(/^\[/, '').replace(/[=,;)\]].*$/, ''))) {
        // Whole flags: --hj212-pw-file in the help is no --hj212-pw.
        if (!new RegExp(`${flag}(?![a-z0-9-])`).test(help)) problems.push(`${page}: \`wanxiang ${line}\`: ${command} has no ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  }, 180_000);
});
