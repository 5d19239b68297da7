import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLLUP_CONVENTIONS } from '../../services/compliance/conventions.ts';
import { parsePeriod } from '../../services/compliance/period.ts';
import { dayOf, dayWindow } from '../../services/rollups/rollup-types.ts';
import {
  beijingDay, beijingDayNumber, beijingDayStartMs, beijingHourOfDay, beijingWeekday, isBeijingInstant, parseBeijingInstant, yearFraction,
} from '../../services/standards/index.ts';

const root = new URL('../..', import.meta.url).pathname;

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe('one Beijing-time module', () => {
  it('reads a bare date as 00:00 of that Beijing day, a zone-less time as Beijing time, and a zone as written', () => {
    expect(new Date(parseBeijingInstant('2025-06-01')).toISOString()).toBe('2025-05-31T16:00:00.000Z');
    expect(new Date(parseBeijingInstant('2025-06-01T23:53')).toISOString()).toBe('2025-06-01T15:53:00.000Z');
    expect(new Date(parseBeijingInstant('2025-06-01 08:00:30')).toISOString()).toBe('2025-06-01T00:00:30.000Z');
    expect(new Date(parseBeijingInstant('2025-06-01T00:00:00Z')).toISOString()).toBe('2025-06-01T00:00:00.000Z');
    expect(new Date(parseBeijingInstant('2025-06-01T00:00+08:00')).toISOString()).toBe('2025-05-31T16:00:00.000Z');
    for (const bad of ['2025-02-30', '2025-06-01T24:00', 'yesterday', '2025-13-01', '', '1748736000000']) {
      expect(isBeijingInstant(bad), bad).toBe(false);
      expect(() => parseBeijingInstant(bad), bad).toThrow(expect.objectContaining({ code: 'WX_ERR_BAD_TIMESTAMP' }));
    }
  });

  it('gives the rollups, the periods and the simulators the same days and hours', () => {
    const midnight = parseBeijingInstant('2026-03-01');
    expect(dayOf(midnight)).toBe(beijingDayNumber(midnight));
    expect(dayWindow(dayOf(midnight)).startMs).toBe(midnight);
    expect(beijingDayStartMs(beijingDayNumber(midnight - 1))).toBe(parseBeijingInstant('2026-02-28'));
    expect(parsePeriod('2026-03', midnight).fromMs).toBe(midnight);
    expect(beijingDay(midnight)).toBe('2026-03-01');
    expect(beijingHourOfDay(parseBeijingInstant('2026-03-01T13:30'))).toBe(13.5);
    expect(beijingWeekday(midnight)).toBe(0); // 2026-03-01 is a Sunday
    expect(yearFraction(parseBeijingInstant('2026-01-01'))).toBe(0);
  });

  it('is the only place that knows the UTC+8 offset', async () => {
    const files = [...(await sources('services')), ...(await sources('simulators'))].filter((file) => !file.endsWith('beijing-time.ts'));
    const offset = /8 \* 3_?600_?000|28_?800_?000|\}\+08:00|\+ 8\) % 24|60 \* 8\b/;
    const offenders: string[] = [];
    for (const file of files) if (offset.test(await readFile(join(root, file), 'utf8'))) offenders.push(file);
    expect(offenders).toEqual([]);
  });
});

describe('the officers’ page states the rollups’ conventions with their sources', () => {
  it('has a paragraph naming each convention the report prints', async () => {
    const page = await readFile(join(root, 'docs/officers.md'), 'utf8');
    const start = page.indexOf('\n## Conventions');
    expect(start).toBeGreaterThan(0);
    const section = page.slice(start, page.indexOf('\n## ', start + 1)).toLowerCase();
    for (const { topic } of ROLLUP_CONVENTIONS) expect(section, topic).toContain(`- **${topic.toLowerCase()}`);
    for (const source of ['HJ 663', 'GB/T 34302', '2020', 'HJ 906-2017', '环办〔2011〕22号']) expect(section, source).toContain(source.toLowerCase());
  });
});
