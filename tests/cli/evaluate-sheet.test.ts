import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

// Issue 22 item 4: a lab sheet with its Chinese column names, every problem of a row, a table for people.
describe('wanxiang evaluate: a bureau lab sheet', () => {
  let folder: string;
  let sheet: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'wanxiang-sheet-'));
    sheet = join(folder, 'sheet.csv');
    await writeFile(sheet, [
      '编号,类型,日期,水体类型,pH,溶解氧(mg/L),高锰酸盐指数（mg/L）,氨氮,总磷,化学需氧量',
      'W1,water,2025-03-04,river,7.2,6.1,4.0,1.2,0.21,18',
      'W2,water,2025-02-30,river,7.1,abc,4.0,0.4,0.1,15',
    ].join('\n'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads the Chinese column names and names every problem of a row', async () => {
    const run = await runCli(['evaluate', sheet]);
    expect(run.code).toBe(1);
    const [good, bad] = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    // NH3-N 1.2 mg/L is Class IV: its multiple over Class III is (1.2 − 1.0) / 1.0 = 0.2.
    expect(good).toMatchObject({ id: 'W1', class: 'IV' });
    expect((good!.multiples as Record<string, number>).nh3n).toBe(0.2);
    const message = (bad!.error as { message: string }).message;
    // A bad number no longer hides a bad date.
    expect(message).toContain("column 'do': \"abc\" is not a number");
    expect(message).toMatch(/date/);
  });

  it('prints a table for people with --output table', async () => {
    const run = await runCli(['evaluate', sheet, '--output', 'table']);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^row\s+result$/);
    expect(lines[2]).toMatch(/^W1\s+Class IV/);
    expect(lines[3]).toMatch(/^W2\s+WX_ERR_BAD_ROW: line 3: column 'do'.*date/);
  });
});
