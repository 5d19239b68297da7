import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');
const rules = join(root, '.dependency-cruiser.cjs');

/** Runs the house's rules over a small tree of files; the exit code and the report come back. */
async function cruise(cwd: string, paths: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(depcruise, [...paths, '--config', rules, '--output-type', 'err'], { cwd });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

describe('the import rules of docs/architecture.md', () => {
  const trees: string[] = [];
  afterAll(async () => Promise.all(trees.map((tree) => rm(tree, { recursive: true, force: true }))));

  async function tree(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'wanxiang-rules-'));
    trees.push(dir);
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true } }));
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  }

  it('hold for the code as it is', async () => {
    const { code, output } = await cruise(root, ['services', 'simulators', 'bin']);
    expect(output).toContain('no dependency violations');
    expect(code).toBe(0);
  });

  it('fail on an import from a lower floor to a higher one', async () => {
    const dir = await tree({
      'services/storage/writer.ts': "import { helpText } from '../cli/options.ts';\nexport const x = helpText;\n",
      'services/cli/options.ts': 'export const helpText = 1;\n',
    });
    const { code, output } = await cruise(dir, ['services']);
    expect(code).not.toBe(0);
    expect(output).toContain('no-upward-from-infrastructure');
    expect(output).toContain('services/storage/writer.ts → services/cli/options.ts');
  });

  it('fail on a room that imports the composition root', async () => {
    const dir = await tree({
      'services/api/routes.ts': "import { createPlatform } from '../platform.ts';\nexport const x = createPlatform;\n",
      'services/platform.ts': 'export const createPlatform = 1;\n',
    });
    const { code, output } = await cruise(dir, ['services']);
    expect(code).not.toBe(0);
    expect(output).toContain('no-upward-from-serving');
  });

  it('fail on two modules that import each other', async () => {
    const dir = await tree({
      'services/live/a.ts': "import type { B } from './b.ts';\nexport interface A { b?: B }\n",
      'services/live/b.ts': "import type { A } from './a.ts';\nexport interface B { a?: A }\n",
    });
    const { code, output } = await cruise(dir, ['services']);
    expect(code).not.toBe(0);
    expect(output).toContain('no-circular');
  });
});
