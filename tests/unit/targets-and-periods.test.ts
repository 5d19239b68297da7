import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../services/compliance/period.ts';
import { parsePlanPeriod } from '../../services/compliance/plan-period.ts';
import { rules } from '../../services/compliance/rules/index.ts';
import { loadTargets } from '../../services/compliance/targets.ts';
import { loadDepartments } from '../../services/events/departments.ts';

describe('the plan’s targets as data', () => {
  it('validate, and every measured target names a rule that exists', async () => {
    const file = await loadTargets(new URL('../../seeds/targets.json', import.meta.url).pathname);
    expect(file.version).toBe(1);
    for (const target of file.targets) if (target.rule !== 'manual') expect(rules[target.rule], target.id).toBeTypeOf('function');
    const indicators = file.targets.map((target) => target.indicator);
    expect(indicators).toEqual(expect.arrayContaining(['22', '23', '26']));
    const pm25 = file.targets.find((target) => target.id === 'pm25-annual-mean')!;
    expect(pm25).toMatchObject({ comparator: '<=', value: 20, kind: 'binding' });
  });

  it('names as the reports\' compiling unit a department of seeds/departments.json, by its names there', async () => {
    const file = await loadTargets(new URL('../../seeds/targets.json', import.meta.url).pathname);
    const departments = await loadDepartments(new URL('../../seeds/departments.json', import.meta.url).pathname);
    const department = departments.departments.find((candidate) => candidate.id === file.compiledBy!.department)!;
    expect({ zh: file.compiledBy!.zh, en: file.compiledBy!.en }).toEqual({ zh: department.nameZh, en: department.nameEn });
  });
});

describe('compliance periods', () => {
  const now = Date.parse('2026-11-26T12:00:00+08:00');
  it('reads a calendar year, a year to date and a month, in Beijing time', () => {
    expect(parsePeriod('2025', now)).toMatchObject({ kind: 'year', fromMs: Date.parse('2025-01-01T00:00:00+08:00'), toMs: Date.parse('2026-01-01T00:00:00+08:00'), complete: true });
    expect(parsePeriod('2026-YTD', now)).toMatchObject({ kind: 'ytd', toMs: now, complete: false });
    expect(parsePeriod('2026-03', now)).toMatchObject({ kind: 'month', fromMs: Date.parse('2026-03-01T00:00:00+08:00'), toMs: Date.parse('2026-04-01T00:00:00+08:00') });
  });
  it('reads quarters and halves as whole calendar quarters and halves, in Beijing time', () => {
    expect(parsePeriod('2026-q2', now)).toMatchObject({ id: '2026-Q2', kind: 'quarter', fromMs: Date.parse('2026-04-01T00:00:00+08:00'), toMs: Date.parse('2026-07-01T00:00:00+08:00'), complete: true });
    expect(parsePeriod('2026-H2', now)).toMatchObject({ kind: 'half', fromMs: Date.parse('2026-07-01T00:00:00+08:00'), toMs: Date.parse('2027-01-01T00:00:00+08:00'), complete: false });
  });
  it('refuses anything else with WX_ERR_INVALID_ARGUMENT', () => {
    for (const bad of ['2026-13', 'last year', '26', '2026-Q5', '2026-H3', '2026-Q0']) expect(() => parsePeriod(bad, now)).toThrow(expect.objectContaining({ code: 'WX_ERR_INVALID_ARGUMENT' }));
  });
});

describe('plan periods (the API, the report routes and the CLI)', () => {
  const now = Date.parse('2026-11-26T12:00:00+08:00');
  it('takes the plan\'s years in every form and refuses the others, naming 2021-2025', () => {
    for (const good of ['2021', '2025-YTD', '2025-03', '2025-Q4', '2021-H1']) expect(parsePlanPeriod(good, now).year).toBeGreaterThanOrEqual(2021);
    for (const outside of ['2020', '2019', '2026-YTD', '2027', '2027-03', '2026-Q1']) {
      expect(() => parsePlanPeriod(outside, now), outside).toThrow(expect.objectContaining({ code: 'WX_ERR_INVALID_ARGUMENT', value: outside, message: expect.stringContaining('2021-2025') }));
    }
    expect(() => parsePlanPeriod('March', now)).toThrow(expect.objectContaining({ code: 'WX_ERR_INVALID_ARGUMENT' }));
  });
});
