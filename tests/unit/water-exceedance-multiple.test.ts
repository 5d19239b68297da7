import { describe, expect, it } from 'vitest';
import { exceedanceMultiple } from '../../services/reports/water-month-table.ts';

/**
 * The river table's "multiple over target" (环办〔2011〕22号: (value − limit) / limit, the value first
 * rounded as 总站水字〔2020〕90号 asks, the multiple to two decimals), worked by hand against
 * GB 3838-2002 Table 1 (issue 22 audit: the path had no hand-worked test, and no section of the
 * simulated district ever exceeds its target).
 */
describe('a water factor\'s multiple over its target class, worked by hand', () => {
  it.each([
    // NH3-N 2.346 → 2.35 (two decimals); Class IV limit 1.5: (2.35 − 1.5) / 1.5 = 0.5667 → 0.57.
    ['nh3n', 2.346, 'IV', 'river', 0.57],
    // TP 0.0804 → 0.080 (three decimals); a lake's Class III limit is 0.05: 0.03 / 0.05 = 0.60.
    ['tp', 0.0804, 'III', 'lake', 0.6],
    // The same TP in a river, whose Class III limit is 0.2: within it, no multiple.
    ['tp', 0.0804, 'III', 'river', null],
    // COD 30.04 → 30.0, Class IV limit 30: at the limit meets it, no multiple.
    ['cod', 30.04, 'IV', 'river', null],
    // CODMn 12.64 → 12.6, Class IV limit 10: 2.6 / 10 = 0.26.
    ['codmn', 12.64, 'IV', 'river', 0.26],
    // NH3-N 0.5 at Class II (limit 0.5): equal, no multiple.
    ['nh3n', 0.5, 'II', 'river', null],
  ] as const)('%s %s mg/L against Class %s (%s) → %s', (parameter, mean, target, waterbody, expected) => {
    expect(exceedanceMultiple(parameter, mean, target, waterbody)).toBe(expected);
  });
});
