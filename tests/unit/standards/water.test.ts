import { describe, expect, it } from 'vitest';
import { classifyParameter, evaluateWaterSection, roundForAssessment, waterClassRank, waterLimit, waterSectionRank } from '../../../services/standards/index.ts';

describe('GB 3838-2002 item classes', () => {
  it('class boundaries of unrounded values (DO is "higher is better"; example 9 with rounding: worked-examples.test.ts)', () => {
    expect(classifyParameter('do', 5.0)).toBe('III');
    expect(classifyParameter('do', 4.99)).toBe('IV');
    expect(classifyParameter('tp', 0.2)).toBe('III');
    expect(classifyParameter('tp', 0.201)).toBe('IV');
    expect(classifyParameter('nh3n', 2.0)).toBe('V');
    expect(classifyParameter('nh3n', 2.01)).toBe('劣V');
    expect(classifyParameter('cod', 15)).toBe('I');
    expect(classifyParameter('ph', 9.0)).toBe('I');
    expect(classifyParameter('ph', 9.1)).toBe('劣V');
    expect(classifyParameter('ph', 5.9)).toBe('劣V');
  });

  it('a whole section judged without rounding (round: false) keeps the raw boundaries', () => {
    const section = (sample: Parameters<typeof evaluateWaterSection>[0]) => evaluateWaterSection(sample, { round: false }).class;
    expect(section({ do: 5.0 })).toBe('III');
    expect(section({ do: 4.99 })).toBe('IV');
    expect(section({ tp: 0.201 })).toBe('IV');
    expect(section({ nh3n: 2.01 })).toBe('劣V');
    expect(section({ ph: 9.1 })).toBe('劣V');
  });

  it('rounds half to even to the 2020 decimals before classifying', () => {
    expect(roundForAssessment('tp', 0.2004)).toBe(0.2);
    expect(roundForAssessment('tp', 0.2005)).toBe(0.2);
    expect(roundForAssessment('tp', 0.2015)).toBe(0.202);
    expect(roundForAssessment('nh3n', 2.005)).toBe(2);
    expect(evaluateWaterSection({ tp: 0.2004 }).class).toBe('III');
    expect(evaluateWaterSection({ tp: 0.2005 }).class).toBe('III');
    expect(evaluateWaterSection({ tp: 0.2015 }).class).toBe('IV');
    expect(evaluateWaterSection({ nh3n: 2.005 }).class).toBe('V');
    expect(evaluateWaterSection({ nh3n: 2.015 }).class).toBe('劣V');
    expect(evaluateWaterSection({ codmn: 6.04 }).class).toBe('III');
    // With the 2020 decimals DO 4.99 is assessed as 5.0 (III) and pH 9.1 as 9 (in range): see the report.
    expect(evaluateWaterSection({ do: 4.99 }).parameters.do).toEqual({ value: 5, class: 'III', counts: true });
    expect(evaluateWaterSection({ ph: 9.1 }).class).toBe('I');
    expect(evaluateWaterSection({ ph: 9.6 }).class).toBe('劣V');
  });

  it('uses the lake limits for TP and never counts TN; lakes and reservoirs get tnClass beside the class', () => {
    expect(classifyParameter('tp', 0.05, 'lake')).toBe('III');
    expect(classifyParameter('tp', 0.05, 'river')).toBe('II');
    const sample = { do: 7.6, codmn: 1.8, nh3n: 0.1, tp: 0.01, tn: 5 };
    const river = evaluateWaterSection(sample);
    expect(river.class).toBe('I');
    expect(river.parameters.tn).toEqual({ value: 5, class: '劣V', counts: false });
    expect(river.mainPollutants).toEqual([]);
    expect(river.tnClass).toBeNull();
    // 环办〔2011〕22号 "总氮单独评价": a lake at class I by the 21 items stays I; TN's 劣V is reported beside it.
    for (const waterbody of ['lake', 'reservoir'] as const) {
      const lake = evaluateWaterSection(sample, { waterbody });
      expect(lake).toMatchObject({ class: 'I', mainPollutants: [], tnClass: '劣V', meetsTarget: true });
      expect(lake.parameters.tn).toEqual({ value: 5, class: '劣V', counts: false });
    }
    expect(classifyParameter('tp', 0.05, 'reservoir')).toBe('III');
  });
});

describe('GB 3838-2002 section evaluation (环办〔2011〕22号)', () => {
  it('words each class', () => {
    const grade = (sample: Parameters<typeof evaluateWaterSection>[0]) => {
      const { class: c, grade: g, gradeEn, colour } = evaluateWaterSection(sample);
      return [c, g, gradeEn, colour];
    };
    expect(grade({ do: 8 })).toEqual(['I', '优', 'Excellent', 'blue']);
    expect(grade({ do: 6 })).toEqual(['II', '优', 'Excellent', 'blue']);
    expect(grade({ do: 5 })).toEqual(['III', '良好', 'Good', 'green']);
    expect(grade({ do: 3 })).toEqual(['IV', '轻度污染', 'Lightly polluted', 'yellow']);
    expect(grade({ do: 2 })).toEqual(['V', '中度污染', 'Moderately polluted', 'orange']);
    expect(grade({ do: 1.9 })).toEqual(['劣V', '重度污染', 'Heavily polluted', 'red']);
  });

  it('takes the worst item (single factor) and names up to three main pollutants with multiples against III', () => {
    const result = evaluateWaterSection({ ph: 7.2, do: 1.5, codmn: 12, cod: 45, nh3n: 3.0, tp: 0.5 });
    expect(result).toMatchObject({ class: '劣V', grade: '重度污染', meetsTarget: false });
    expect(result.mainPollutants).toEqual([
      { parameter: 'nh3n', class: '劣V', multiple: 2, deficit: null, label: '氨氮(2.0)' },
      { parameter: 'tp', class: '劣V', multiple: 1.5, deficit: null, label: '总磷(1.5)' },
      { parameter: 'cod', class: '劣V', multiple: 1.2, deficit: null, label: '化学需氧量(1.2)' },
    ]);
  });

  it('gives DO a deficit, never a multiple, and names no main pollutant at III or better', () => {
    const result = evaluateWaterSection({ do: 2.5, nh3n: 1.2 });
    expect(result.class).toBe('V');
    expect(result.mainPollutants).toEqual([
      { parameter: 'do', class: 'V', multiple: null, deficit: 2.5, label: '溶解氧' },
      { parameter: 'nh3n', class: 'IV', multiple: 0.2, deficit: null, label: '氨氮(0.2)' },
    ]);
    expect(evaluateWaterSection({ do: 5.5, nh3n: 0.9 })).toMatchObject({ class: 'III', meetsTarget: true, mainPollutants: [] });
  });

  it('measures main pollutants against the section target when it is not III', () => {
    expect(waterLimit('nh3n', 'II')).toBe(0.5);
    const result = evaluateWaterSection({ do: 6.5, nh3n: 0.9 }, { targetClass: 'II' });
    expect(result).toMatchObject({ class: 'III', meetsTarget: false, mainPollutants: [{ parameter: 'nh3n', multiple: 0.8, label: '氨氮(0.8)' }] });
  });

  it('refuses unknown items, negative values and a sample with nothing that counts', () => {
    expect(() => evaluateWaterSection({ turbidity: 3 } as never)).toThrow(expect.objectContaining({ code: 'WX_ERR_UNKNOWN_FIELD' }));
    expect(() => evaluateWaterSection({ do: -1 })).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
    expect(() => evaluateWaterSection({ tn: 1 })).toThrow(expect.objectContaining({ code: 'WX_ERR_EMPTY_READING' }));
  });
});

describe('waterSectionRank: the class alone, for the alarm rule on every reading', () => {
  it('equals evaluateWaterSection(...).class on boundary and random samples of every waterbody', () => {
    const items = ['ph', 'do', 'codmn', 'cod', 'bod5', 'nh3n', 'tp', 'tn'] as const;
    // Values on and either side of every class boundary (rounding decides there), and random ones.
    const boundaries = [0, 0.0049, 0.005, 0.015, 0.02, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 1, 1.5, 2, 2.05, 2.15, 3, 4, 5, 5.95, 6, 6.5, 7.5, 9, 9.4, 9.5, 10, 15, 20, 30, 40, 41];
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let compared = 0;
    for (const waterbody of ['river', 'lake', 'reservoir'] as const) {
      for (let n = 0; n < 3_000; n += 1) {
        const sample: Partial<Record<(typeof items)[number], number>> = {};
        for (const item of items) {
          if (random() < 0.3) continue;
          sample[item] = random() < 0.5 ? boundaries[Math.floor(random() * boundaries.length)]! : Math.round(random() * 40 * 1_000) / 1_000;
        }
        const rank = waterSectionRank(sample, waterbody);
        const counted = Object.keys(sample).some((item) => item !== 'tn');
        if (!counted) {
          expect(rank).toBeNull();
          continue;
        }
        expect(rank).toBe(waterClassRank(evaluateWaterSection(sample, { waterbody }).class));
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(8_000);
  });
});

describe('exceedance multiples on the national basis, the target-based column beside (issue 22 items 5-6)', () => {
  it('TP 0.312 mg/L in a river section whose target is IV', () => {
    // Rounded first to 3 decimals: 0.312 → class V (0.3 < 0.312 ≤ 0.4).
    // National basis (Class III limit 0.2): (0.312 − 0.2) / 0.2 = 0.56 → 0.6, printed 总磷(0.6).
    // Target basis (Class IV limit 0.3): (0.312 − 0.3) / 0.3 = 0.04 → 0.0, printed 总磷(0.0).
    const result = evaluateWaterSection({ tp: 0.312, do: 6, nh3n: 0.4 }, { waterbody: 'river', targetClass: 'IV' });
    expect(result.class).toBe('V');
    expect(result.mainPollutantsNational).toEqual([expect.objectContaining({ parameter: 'tp', multiple: 0.6, label: '总磷(0.6)' })]);
    expect(result.mainPollutants).toEqual([expect.objectContaining({ parameter: 'tp', multiple: 0, label: '总磷(0.0)' })]);
  });

  it('names main pollutants against III even when the section meets its (worse) target', () => {
    // NH3-N 1.2 (class IV, limit III 1.0): (1.2 − 1.0) / 1.0 = 0.2; COD 25 (class IV, limit III 20): (25 − 20) / 20 = 0.25 → 0.2
    // (half to even); tie on class IV broken by the larger raw multiple: COD 0.25 before NH3-N 0.20.
    const result = evaluateWaterSection({ nh3n: 1.2, cod: 25, do: 6 }, { waterbody: 'river', targetClass: 'IV' });
    expect(result).toMatchObject({ class: 'IV', meetsTarget: true, mainPollutants: [] });
    expect(result.mainPollutantsNational.map((p) => p.label)).toEqual(['化学需氧量(0.2)', '氨氮(0.2)']);
  });
});
