import { describe, expect, it } from 'vitest';
import { aqiCategory, dailyAqi, hourlyAqi, iaqi, roundConcentration } from '../../../services/standards/index.ts';

const v2012 = { standard: 'HJ 633-2012' } as const;
const v2026 = { standard: 'HJ 633-2026' } as const;

describe('IAQI (HJ 633-2012 and HJ 633-2026)', () => {
  it('example 1: PM2.5 24-h 40 is IAQI 57 under 2012 (raw 56.25, rounded up), and 60 on the 2026 table', () => {
    expect(iaqi('pm25_24h', 40, 'HJ 633-2012')).toBe(57);
    // standards.md says "both", but HJ 633-2026 moves IAQI 100 to 60 µg/m³: 50 + 50/25 × 5 = 60.
    expect(iaqi('pm25_24h', 40, 'HJ 633-2026')).toBe(60);
  });

  it('example 2: under 2026 PM2.5 60 and PM10 120 are IAQI 100; PM2.5 61 is 101, lightly polluted', () => {
    expect(iaqi('pm25_24h', 60, 'HJ 633-2026')).toBe(100);
    expect(iaqi('pm10_24h', 120, 'HJ 633-2026')).toBe(100);
    const day = dailyAqi({ so2: 8, no2: 30, co: 0.7, pm10: 60, pm25: 61, o3_8h: 90 }, v2026);
    expect(day).toMatchObject({ aqi: 101, primary: ['pm25'], level: 3, category: '轻度污染', categoryEn: 'Lightly polluted' });
  });

  it('example 3: under 2026 SO2 1-h 900 is IAQI 200 and O3 8-h 900 is IAQI 300', () => {
    expect(iaqi('so2_1h', 900, 'HJ 633-2026')).toBe(200);
    expect(iaqi('o3_8h', 900, 'HJ 633-2026')).toBe(300);
    expect(hourlyAqi({ so2: 900, no2: 20, co: 0.5, o3: 50, pm10: 30, pm25: 20 }, v2026).iaqi.so2).toBe(200);
    expect(dailyAqi({ so2: 8, no2: 30, co: 0.7, pm10: 60, pm25: 30, o3_8h: 900, o3_1h: 1100 }, v2026)).toMatchObject({
      aqi: 300, primary: ['o3_8h'], level: 5, category: '重度污染',
    });
  });

  it('example 4: under 2026 concentrations are rounded half to even first (60.5 → 60 → 100; 60.6 → 61 → 101)', () => {
    expect(iaqi('pm25_24h', 60.5, 'HJ 633-2026')).toBe(100);
    expect(iaqi('pm25_24h', 60.6, 'HJ 633-2026')).toBe(101);
    expect(roundConcentration('pm25_24h', 61.5, 'HJ 633-2026')).toBe(62);
    // CO keeps one decimal: 5.05 → 5.0 (IAQI 50), 5.15 → 5.2 (IAQI 52).
    expect(iaqi('co_1h', 5.05, 'HJ 633-2026')).toBe(50);
    expect(iaqi('co_1h', 5.15, 'HJ 633-2026')).toBe(52);
    // HJ 633-2012 states no rounding; Wanxiang computes from the published (rounded) figure for it too,
    // so a printed AQI is reproducible from the printed concentration (issue 22 item 5):
    // 60.5 → 60 → 50 + 50/40 × 25 = 81.25 → 82; 72.06 O3-8h prints 72 → 36, not 37.
    expect(roundConcentration('pm25_24h', 60.5, 'HJ 633-2012')).toBe(60);
    expect(iaqi('pm25_24h', 60.5, 'HJ 633-2012')).toBe(82);
    expect(iaqi('o3_8h', 72.06, 'HJ 633-2012')).toBe(iaqi('o3_8h', 72, 'HJ 633-2012'));
    expect(iaqi('o3_8h', 72, 'HJ 633-2012')).toBe(36);
  });

  it('example 5: SO2 24-h 150 is IAQI 100 and 65 is 58 in both versions', () => {
    for (const standard of ['HJ 633-2012', 'HJ 633-2026'] as const) {
      expect(iaqi('so2_24h', 150, standard)).toBe(100);
      expect(iaqi('so2_24h', 65, standard)).toBe(58);
    }
  });

  it('example 6: under 2026 PM10 150 is IAQI 112 and PM2.5 75 is 114', () => {
    expect(iaqi('pm10_24h', 150, 'HJ 633-2026')).toBe(112);
    expect(iaqi('pm25_24h', 75, 'HJ 633-2026')).toBe(114);
  });

  it('rounds up, but not float noise, and caps above the top breakpoint at 500', () => {
    expect(iaqi('pm25_24h', 75, 'HJ 633-2012')).toBe(100);
    expect(iaqi('o3_8h', 160.0000000000001, 'HJ 633-2012')).toBe(100);
    // 75.01 is published as 75: IAQI 100 (computed from the published figure); 75.5 → 76 → 100 + 50/40 = 101.25 → 102.
    expect(iaqi('pm25_24h', 75.01, 'HJ 633-2012')).toBe(100);
    expect(iaqi('pm25_24h', 75.5, 'HJ 633-2012')).toBe(102);
    expect(iaqi('pm25_24h', 650, 'HJ 633-2026')).toBe(500);
    expect(iaqi('no2_1h', 5000, 'HJ 633-2012')).toBe(500);
  });

  it('computes no SO2 1-h or O3 8-h IAQI above 800 under 2012', () => {
    expect(iaqi('so2_1h', 900, 'HJ 633-2012')).toBeNull();
    expect(iaqi('o3_8h', 900, 'HJ 633-2012')).toBeNull();
    expect(iaqi('so2_1h', 800, 'HJ 633-2012')).toBe(200);
  });

  it('refuses negative, non-finite and non-numeric concentrations with catalogue codes', () => {
    expect(() => iaqi('pm25_24h', -1, 'HJ 633-2012')).toThrow(expect.objectContaining({ code: 'WX_ERR_OUT_OF_RANGE' }));
    expect(() => iaqi('pm25_24h', Number.NaN, 'HJ 633-2012')).toThrow(expect.objectContaining({ code: 'WX_ERR_WRONG_TYPE' }));
    expect(() => dailyAqi({ pm25: '40' as unknown as number }, v2012)).toThrow(expect.objectContaining({ code: 'WX_ERR_WRONG_TYPE' }));
    expect(() => dailyAqi({ pm2_5: 40 } as never, v2012)).toThrow(expect.objectContaining({ code: 'WX_ERR_UNKNOWN_FIELD' }));
  });
});

describe('AQI categories (HJ 633-2012 Table 2, HJ 633-2026 Table 1)', () => {
  it('places each boundary in its class with its colour', () => {
    const cases = [[50, 1, '#00E400'], [51, 2, '#FFFF00'], [100, 2, '#FFFF00'], [101, 3, '#FF7E00'], [150, 3, '#FF7E00'],
      [151, 4, '#FF0000'], [200, 4, '#FF0000'], [201, 5, '#99004C'], [300, 5, '#99004C'], [301, 6, '#7E0023'], [500, 6, '#7E0023']] as const;
    for (const [aqi, level, colour] of cases) expect(aqiCategory(aqi), String(aqi)).toMatchObject({ level, colour });
    expect(aqiCategory(301)).toMatchObject({ category: '严重污染', categoryEn: 'Severely polluted' });
    expect(aqiCategory(30)).toMatchObject({ category: '优', categoryEn: 'Excellent' });
  });
});

describe('daily AQI', () => {
  const day = { so2: 10, no2: 30, co: 0.8, pm10: 60, pm25: 30, o3_8h: 200, o3_1h: 230 };

  it('returns the documented shape (2012: seven indicators, 超标污染物 listed)', () => {
    expect(dailyAqi(day, { day: '2025-07-01' })).toEqual({
      aqi: 137,
      iaqi: { so2: 10, no2: 38, co: 20, pm10: 55, pm25: 43, o3_8h: 137, o3_1h: 115 },
      concentrations: day,
      primary: ['o3_8h'],
      level: 3,
      category: '轻度污染',
      categoryEn: 'Lightly polluted',
      colour: '#FF7E00',
      standard: 'HJ 633-2012',
      missing: [],
      notMonitored: [],
      exceeding: ['o3_8h', 'o3_1h'],
    });
  });

  it('switches from 2012 to 2026 on 2026-03-01 (Beijing day) for the same concentrations', () => {
    const same = { so2: 10, no2: 30, co: 0.8, pm10: 140, pm25: 70, o3_8h: 90, o3_1h: 120 };
    const before = dailyAqi(same, { day: '2026-02-28' });
    const after = dailyAqi(same, { day: '2026-03-01' });
    expect(before).toMatchObject({ standard: 'HJ 633-2012', aqi: 95, primary: ['pm10'], category: '良' });
    expect(before.iaqi).toMatchObject({ pm10: 95, pm25: 94, o3_1h: 38 });
    expect(after).toMatchObject({ standard: 'HJ 633-2026', aqi: 110, primary: ['pm25'], category: '轻度污染', exceeding: null });
    expect(after.iaqi).toMatchObject({ pm10: 108, pm25: 110 });
    // HJ 633-2026 Table 4: the O3 1-h max no longer gets a daily IAQI.
    expect(after.iaqi.o3_1h).toBeUndefined();
    // An instant is placed on its Beijing day: 2026-02-28T16:00Z is 00:00 on 1 March in Beijing.
    expect(dailyAqi(same, { day: '2026-02-28T16:00:00Z' }).standard).toBe('HJ 633-2026');
    expect(dailyAqi(same, { day: '2026-02-28T15:59:59Z' }).standard).toBe('HJ 633-2012');
  });

  it('2012 note 3: O3 8-h above 800 gets no IAQI and the O3 1-h IAQI stands for O3', () => {
    const result = dailyAqi({ ...day, o3_8h: 900, o3_1h: 1000 }, v2012);
    expect(result.iaqi.o3_8h).toBeUndefined();
    expect(result).toMatchObject({ aqi: 400, primary: ['o3_1h'], level: 6, missing: [] });
  });

  it('names no primary pollutant at AQI ≤ 50 and lists ties', () => {
    expect(dailyAqi({ so2: 10, no2: 20, co: 0.5, pm10: 40, pm25: 20, o3_8h: 80, o3_1h: 100 }, v2012)).toMatchObject({ aqi: 40, primary: [] });
    // PM10 150 and SO2 150 are both exactly IAQI 100.
    expect(dailyAqi({ so2: 150, no2: 20, co: 0.5, pm10: 150, pm25: 20, o3_8h: 80, o3_1h: 100 }, v2012).primary).toEqual(['so2', 'pm10']);
  });

  it('2012: a missing pollutant is NA and the AQI comes from the others', () => {
    const result = dailyAqi({ so2: 10, no2: 30, co: null, pm10: 60 }, v2012);
    expect(result).toMatchObject({ aqi: 55, primary: ['pm10'], missing: ['co', 'pm25', 'o3_8h', 'o3_1h'] });
  });

  it('2026 §5.3.1: with a pollutant missing the AQI is published only above 100; §5.3.2 "/" does not count', () => {
    const partial = { so2: 10, no2: 30, co: 0.8, pm10: 60, o3_8h: 90 };
    const hidden = dailyAqi(partial, v2026);
    expect(hidden).toMatchObject({ aqi: null, level: null, category: null, colour: null, primary: [], missing: ['pm25'] });
    // PM10 60 on the 2026 table: 50 + 50/70 × 10 = 57.14 → 58.
    expect(hidden.iaqi).toMatchObject({ pm10: 58, o3_8h: 45 });
    expect(dailyAqi({ ...partial, pm10: 200 }, v2026)).toMatchObject({ aqi: 131, primary: ['pm10'], missing: ['pm25'] });
    expect(dailyAqi(partial, { ...v2026, notMonitored: ['pm25'] })).toMatchObject({ aqi: 58, missing: [], notMonitored: ['pm25'] });
  });

  it('has no AQI when no pollutant has a value, and starts at 1 under 2026 (§4.1.1)', () => {
    expect(dailyAqi({}, v2012).aqi).toBeNull();
    expect(dailyAqi({}, v2026).aqi).toBeNull();
    const zero = { so2: 0, no2: 0, co: 0, pm10: 0, pm25: 0, o3_8h: 0, o3_1h: 0 };
    expect(dailyAqi(zero, v2012).aqi).toBe(0);
    expect(dailyAqi(zero, v2026).aqi).toBe(1);
  });
});

describe('real-time (hourly) AQI', () => {
  const hour = { so2: 10, no2: 40, co: 0.6, o3: 100, pm10: 200, pm25: 90, o3_8h: 80, pm10_24h: 60, pm25_24h: 40 };

  it('2012 rates PM on 24-h moving means; 2026 rates the 1-h PM on the daily breakpoints', () => {
    const old = hourlyAqi(hour, v2012);
    expect(Object.keys(old.iaqi)).toEqual(['so2', 'no2', 'co', 'o3', 'o3_8h', 'pm10_24h', 'pm25_24h']);
    expect(old).toMatchObject({ aqi: 57, primary: ['pm25_24h'] });
    const now = hourlyAqi(hour, v2026);
    expect(Object.keys(now.iaqi)).toEqual(['so2', 'no2', 'co', 'o3', 'pm10', 'pm25']);
    // PM10 200: 100 + 50/130 × 80 = 130.8 → 131; PM2.5 90: 100 + 50/55 × 30 = 127.3 → 128.
    expect(now).toMatchObject({ aqi: 131, primary: ['pm10'], iaqi: { pm10: 131, pm25: 128 } });
  });

  it('picks the version by the day the hour belongs to: the hour ending 00:00 on 1 March is still 2012', () => {
    expect(hourlyAqi(hour, { hourEnding: '2026-03-01T00:00:00+08:00' }).standard).toBe('HJ 633-2012');
    expect(hourlyAqi(hour, { hourEnding: '2026-03-01T01:00:00+08:00' }).standard).toBe('HJ 633-2026');
    expect(() => hourlyAqi(hour, { hourEnding: '2026-03-01T01:00:00' })).toThrow(expect.objectContaining({ code: 'WX_ERR_BAD_TIMESTAMP' }));
  });

  it('2012 note 2: SO2 1-h above 800 takes the IAQI of the SO2 24-h mean, or is NA without one', () => {
    const withDaily = hourlyAqi({ ...hour, so2: 900, so2_24h: 300 }, v2012);
    expect(withDaily).toMatchObject({ aqi: 124, primary: ['so2'], iaqi: { so2: 124 }, concentrations: { so2: 300 } });
    expect(hourlyAqi({ ...hour, so2: 900 }, v2012)).toMatchObject({ aqi: 57, missing: ['so2'] });
  });
});
