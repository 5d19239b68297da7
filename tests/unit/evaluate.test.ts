import { describe, expect, it } from 'vitest';
import { isWanxiangError, type ErrorCode } from '../../services/errors.ts';
import { MAX_BYTES, MAX_ROWS, decodeInput, evaluateBatch, formatResults, type EvaluateResult } from '../../services/evaluate/index.ts';

const ndjson = (...rows: readonly object[]) => rows.map((row) => JSON.stringify(row)).join('\n');

/** The whole-input error evaluateBatch throws, as { code, message }. */
function batchError(run: () => unknown): { code: ErrorCode; message: string } {
  try {
    run();
  } catch (error) {
    if (isWanxiangError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the batch to be refused');
}

function rowError(result: EvaluateResult | undefined): { code: string; message: string } {
  if (result === undefined || !('error' in result)) throw new Error(`expected a row error, got ${JSON.stringify(result)}`);
  return result.error;
}

// HJ 633-2012: SO2 8 → 8, NO2 30 → 38, CO 0.8 → 20, PM10 45 → 45, PM2.5 28 → 40, O3 8-h 180 → 119, O3 1-h 230 → 115.
const exampleDay = { kind: 'air-day', date: '2025-06-01', so2: 8, no2: 30, co: 0.8, pm10: 45, pm25: 28, o3_8h: 180, o3_1h: 230 };
// River: NH3-N 1.4 is class IV, (1.4 − 1.0)/1.0 = 0.4 over class III; everything else is class III or better; TN does not count.
const exampleWater = { kind: 'water', date: '2025-06-01', waterbody: 'river', ph: 7.2, do: 6.1, codmn: 4.5, cod: 18, bod5: 3.5, nh3n: 1.4, tp: 0.15, tn: 2.5 };
const exampleNoise = { kind: 'noise', date: '2025-06-01', zone: '4a', period: 'night', leq: 58, lmax: 68 };
// 2026: SO2 1-h 10 → 4, NO2 40 → 20, CO 0.6 → 6, O3 1-h 210 → 105, PM10 50 → 50, PM2.5 30 → 43.
const exampleHour = { kind: 'air-hour', time: '2026-05-01T14:00+08:00', so2: 10, no2: 40, co: 0.6, o3: 210, pm10: 50, pm25: 30 };

describe('evaluate: the examples of the issue, one per kind, in order, ids kept', () => {
  const results = evaluateBatch(ndjson(
    { ...exampleDay, id: 'A-1' },
    exampleHour,
    { ...exampleWater, id: 17 },
    { ...exampleNoise, id: 'N-9' },
  ));

  it('answers one result per row in the input order', () => {
    expect(results).toHaveLength(4);
  });

  it('air-day → AQI, IAQIs, primary pollutant, level, category and HJ 633-2012 for a 2025 day', () => {
    expect(results[0]).toEqual({
      id: 'A-1',
      aqi: 119,
      iaqi: { so2: 8, no2: 38, co: 20, pm10: 45, pm25: 40, o3_8h: 119, o3_1h: 115 },
      primary: ['o3_8h'],
      level: 3,
      category: '轻度污染',
      standard: 'HJ 633-2012',
      missing: [],
    });
  });

  it('air-hour → the same shape, with the HJ 633-2026 real-time indicators for a 2026-05 hour', () => {
    expect(results[1]).toEqual({
      aqi: 105,
      iaqi: { so2: 4, no2: 20, co: 6, o3: 105, pm10: 50, pm25: 43 },
      primary: ['o3'],
      level: 3,
      category: '轻度污染',
      standard: 'HJ 633-2026',
      missing: [],
    });
    expect(results[1]).not.toHaveProperty('id');
  });

  it('water → class, grade, limiting items and their multiples over class III', () => {
    expect(results[2]).toEqual({ id: 17, class: 'IV', grade: '轻度污染', limiting: ['nh3n'], multiples: { nh3n: 0.4 }, standard: 'GB 3838-2002' });
  });

  it('noise → the zone limit and the night Lmax rule (limit + 15 dB)', () => {
    expect(results[3]).toEqual({ id: 'N-9', limit: 55, exceeds: true, lmaxLimit: 70, lmaxExceeds: false, standard: 'GB 3096-2008' });
  });

  it('formats the answer as one JSON line per row', () => {
    const lines = formatResults(results).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(JSON.parse(lines[2]!)).toEqual(results[2]);
  });
});

describe('evaluate: standard versions and the standards rules come through', () => {
  // 2012: PM10 60 → 55, PM2.5 61 → 83 (良), O3 1-h 150 → 47. 2026: PM10 60 → 58, PM2.5 61 → 101, no O3 1-h IAQI.
  const day = { kind: 'air-day', so2: 8, no2: 30, co: 0.7, pm10: 60, pm25: 61, o3_8h: 90, o3_1h: 150 };

  it('the same air-day row switches from HJ 633-2012 on 2026-02-28 to HJ 633-2026 on 2026-03-01', () => {
    const [before, after] = evaluateBatch(ndjson({ ...day, date: '2026-02-28' }, { ...day, date: '2026-03-01' }));
    expect(before).toEqual({
      aqi: 83, iaqi: { so2: 8, no2: 38, co: 18, pm10: 55, pm25: 83, o3_8h: 45, o3_1h: 47 },
      primary: ['pm25'], level: 2, category: '良', standard: 'HJ 633-2012', missing: [],
    });
    expect(after).toEqual({
      aqi: 101, iaqi: { so2: 8, no2: 38, co: 18, pm10: 58, pm25: 101, o3_8h: 45 },
      primary: ['pm25'], level: 3, category: '轻度污染', standard: 'HJ 633-2026', missing: [],
    });
  });

  it('air-hour: the hour ending 2026-03-01 00:00 is hour 24 of 2026-02-28 (HJ 663), so still HJ 633-2012', () => {
    const hour = { kind: 'air-hour', so2: 10, no2: 40, co: 0.6, o3: 210, o3_8h: 150, pm10_24h: 60, pm25_24h: 40, pm10: 80, pm25: 50 };
    const [midnight, utc, one] = evaluateBatch(ndjson(
      { ...hour, time: '2026-03-01T00:00+08:00' },
      { ...hour, time: '2026-02-28T16:00:00Z' },
      { ...hour, time: '2026-03-01T01:00+08:00' },
    ));
    // 2012: 1-h SO2/NO2/CO/O3, O3 8-h 150 → 92, PM 24-h means 60 → 55 and 40 → 57; the PM 1-h values get no IAQI.
    expect(midnight).toEqual({
      aqi: 105, iaqi: { so2: 4, no2: 20, co: 6, o3: 105, o3_8h: 92, pm10_24h: 55, pm25_24h: 57 },
      primary: ['o3'], level: 3, category: '轻度污染', standard: 'HJ 633-2012', missing: [],
    });
    expect(utc).toEqual(midnight);
    // 2026: six 1-h means, PM10 80 → 72 and PM2.5 50 → 80 on the daily columns; the 8-h and 24-h means are not used.
    expect(one).toEqual({
      aqi: 105, iaqi: { so2: 4, no2: 20, co: 6, o3: 105, pm10: 72, pm25: 80 },
      primary: ['o3'], level: 3, category: '轻度污染', standard: 'HJ 633-2026', missing: [],
    });
  });

  it('a missing pollutant is left out: AQI ≤ 50 has no primary; HJ 633-2026 withholds an incomplete AQI ≤ 100', () => {
    const [clean2012, partial2026] = evaluateBatch(ndjson(
      { kind: 'air-day', date: '2025-06-01', so2: 5, pm25: 20 },
      { kind: 'air-day', date: '2026-06-01', so2: 5, pm25: 30 },
    ));
    expect(clean2012).toMatchObject({ aqi: 29, primary: [], level: 1, category: '优', missing: ['no2', 'co', 'pm10', 'o3_8h', 'o3_1h'] });
    expect(partial2026).toMatchObject({ aqi: null, primary: [], level: null, category: null, standard: 'HJ 633-2026', missing: ['no2', 'co', 'pm10', 'o3_8h'] });
  });

  it('water: TN never sets the class; lakes and reservoirs report tnClass beside it; DO can limit without a multiple', () => {
    const sample = { kind: 'water', date: '2025-06-01', tn: 1.8, tp: 0.04, nh3n: 0.3 };
    const results = evaluateBatch(ndjson(
      { ...sample, waterbody: 'lake' },
      { ...sample, waterbody: 'river' },
      { kind: 'water', date: '2025-06-01', waterbody: 'river', do: 2.5, nh3n: 1.6 },
      { ...sample, waterbody: 'reservoir' },
    ));
    // 环办〔2011〕22号: the lake's class comes from the 21 items (TP 0.04 is III on the lake limits); TN V beside it.
    expect(results[0]).toEqual({ class: 'III', grade: '良好', limiting: [], multiples: {}, tnClass: 'V', standard: 'GB 3838-2002' });
    expect(results[1]).toEqual({ class: 'II', grade: '优', limiting: [], multiples: {}, standard: 'GB 3838-2002' });
    expect(results[3]).toEqual(results[0]);
    // Both class V; NH3-N exceeds by 0.6, DO falls short by (5 − 2.5)/5 = 0.5, so NH3-N comes first.
    expect(results[2]).toEqual({ class: 'V', grade: '中度污染', limiting: ['nh3n', 'do'], multiples: { nh3n: 0.6 }, standard: 'GB 3838-2002' });
  });

  it('noise: equal to the limit meets it; by day there is no Lmax rule; zone 0 at night', () => {
    const [day2, night0] = evaluateBatch(ndjson(
      { kind: 'noise', date: '2025-06-01', zone: '1', period: 'day', leq: 55, lmax: 90 },
      { kind: 'noise', date: '2025-06-01', zone: '0', period: 'night', leq: 41, lmax: 56 },
    ));
    expect(day2).toEqual({ limit: 55, exceeds: false, lmaxLimit: null, lmaxExceeds: null, standard: 'GB 3096-2008' });
    expect(night0).toEqual({ limit: 40, exceeds: true, lmaxLimit: 55, lmaxExceeds: true, standard: 'GB 3096-2008' });
  });
});

describe('evaluate: CSV', () => {
  it('gives the same results as NDJSON for the same rows (ids as text)', () => {
    const csv = [
      'id,kind,date,time,waterbody,so2,no2,co,o3,pm10,pm25,o3_8h,o3_1h,ph,do,codmn,cod,bod5,nh3n,tp,tn,zone,period,leq,lmax',
      'A-1,air-day,2025-06-01,,,8,30,0.8,,45,28,180,230,,,,,,,,,,,,',
      ',air-hour,,2026-05-01T14:00+08:00,,10,40,0.6,210,50,30,,,,,,,,,,,,,,',
      '17,water,2025-06-01,,river,,,,,,,,,7.2,6.1,4.5,18,3.5,1.4,0.15,2.5,,,,',
      'N-9,noise,2025-06-01,,,,,,,,,,,,,,,,,,,4a,night,58,68',
    ].join('\n');
    const expected = evaluateBatch(ndjson(
      { ...exampleDay, id: 'A-1' }, exampleHour, { ...exampleWater, id: '17' }, { ...exampleNoise, id: 'N-9' },
    ));
    expect(evaluateBatch(csv)).toEqual(expected);
  });

  it('reads a UTF-8 BOM, CRLF, quoted cells (commas, doubled quotes, line breaks), blank and all-empty lines', () => {
    const csv = '\uFEFFid,kind,date,zone,period,leq,lmax\r\n'
      + '"罗湖, 东门",noise,2025-06-01,4a,night,58,68\r\n'
      + '\r\n'
      + ',,,,,,\r\n'
      + '"say ""hi""",noise,2025-06-01,"1",day," 55 ",\r\n'
      + '"two\r\nlines",noise,2025-06-01,2,day,61,\r\n';
    const results = evaluateBatch(csv);
    expect(results.map((result) => result.id)).toEqual(['罗湖, 东门', 'say "hi"', 'two\r\nlines']);
    expect(results[0]).toMatchObject({ limit: 55, exceeds: true, lmaxExceeds: false });
    expect(results[1]).toMatchObject({ limit: 55, exceeds: false, lmaxLimit: null });
    expect(results[2]).toMatchObject({ limit: 60, exceeds: true });
  });

  it('names the column of a non-numeric cell, and keeps the rows around it', () => {
    const csv = 'id,kind,date,so2,pm25\na,air-day,2025-06-01,8,20\nb,air-day,2025-06-01,abc,<0.5\nc,air-day,2025-06-01,8,20\n';
    const [a, b, c] = evaluateBatch(csv);
    expect(a).toMatchObject({ id: 'a', aqi: 29 });
    expect(b).toEqual({ id: 'b', error: { code: 'WX_ERR_BAD_ROW', message: `line 3: column 'so2': "abc" is not a number; column 'pm25': "<0.5" is not a number` } });
    expect(c).toMatchObject({ id: 'c', aqi: 29 });
  });

  it('a line with the wrong number of cells or a stray quote costs only that line', () => {
    const csv = [
      'id,kind,date,so2,pm25',
      'a,air-day,2025-06-01,8',
      'b,air-day,2025-06-01,"8,20', // the quote "closes" at line 5's 2"0: the lines between are not swallowed
      'c,air-day,2025-06-01,8,20',
      'd,air-day,2025-06-01,8,2"0',
      'e,air-day,2025-06-01,8,20',
      'f,air-day,2025-06-01,8,"20',
    ].join('\n');
    const results = evaluateBatch(csv);
    expect(results).toHaveLength(6);
    expect(results[0]).toEqual({ id: 'a', error: { code: 'WX_ERR_BAD_ROW', message: 'line 2: 4 cells, but the header has 5 columns' } });
    expect(rowError(results[1])).toEqual({ code: 'WX_ERR_BAD_ROW', message: 'line 3: not valid CSV: text after a closing quote' });
    expect(results[2]).toMatchObject({ id: 'c', aqi: 29 });
    expect(rowError(results[3])).toEqual({ code: 'WX_ERR_BAD_ROW', message: 'line 5: not valid CSV: a quote inside an unquoted cell: 2"0' });
    expect(results[4]).toMatchObject({ id: 'e', aqi: 29 });
    expect(rowError(results[5])).toEqual({ code: 'WX_ERR_BAD_ROW', message: 'line 7: not valid CSV: a quoted cell is never closed' });
  });

  it('a value in a column no kind knows is an unknown field; an empty one is simply missing', () => {
    const csv = 'id,kind,date,so2,remark\na,air-day,2025-06-01,8,\nb,air-day,2025-06-01,8,resampled\n';
    const [a, b] = evaluateBatch(csv);
    expect(a).toMatchObject({ id: 'a', aqi: 8 });
    expect(b).toEqual({ id: 'b', error: { code: 'WX_ERR_UNKNOWN_FIELD', message: "line 3: unknown field 'remark' for kind air-day" } });
  });

  it('refuses a header it cannot read: no kind column, a repeated or a nameless column', () => {
    expect(batchError(() => evaluateBatch('air-day,2025-06-01,8\nair-day,2025-06-02,9\n'))).toMatchObject({ code: 'WX_ERR_BAD_ROW', message: expect.stringContaining("no 'kind' column") });
    expect(batchError(() => evaluateBatch('kind,date,so2,so2\nair-day,2025-06-01,1,2\n')).message).toContain("names column 'so2' twice");
    expect(batchError(() => evaluateBatch('kind,date,,so2\nair-day,2025-06-01,,2\n')).message).toContain('no name for column 3');
  });
});

describe('evaluate: every bad row answers its error in its place; the good rows around it are evaluated', () => {
  const good = { kind: 'noise', date: '2025-06-01', zone: '2', period: 'night', leq: 45 };
  const cases: readonly { name: string; line: string; code: ErrorCode; message: string }[] = [
    { name: 'unknown kind', line: JSON.stringify({ kind: 'soil', date: '2025-06-01' }), code: 'WX_ERR_BAD_ROW', message: 'unknown kind "soil" (expected air-day, air-hour, water, noise)' },
    { name: 'no kind', line: JSON.stringify({ date: '2025-06-01', so2: 3 }), code: 'WX_ERR_BAD_ROW', message: 'kind is required (air-day, air-hour, water, noise)' },
    { name: 'no date', line: JSON.stringify({ kind: 'air-day', so2: 3 }), code: 'WX_ERR_BAD_ROW', message: 'date is required' },
    { name: 'impossible date', line: JSON.stringify({ kind: 'water', date: '2025-02-29', waterbody: 'river', nh3n: 1 }), code: 'WX_ERR_BAD_ROW', message: 'date must be a calendar day written YYYY-MM-DD, not "2025-02-29"' },
    { name: 'date as a number', line: JSON.stringify({ ...good, date: 20250601 }), code: 'WX_ERR_BAD_ROW', message: 'date must be a string, not 20250601' },
    { name: 'time without a zone', line: JSON.stringify({ kind: 'air-hour', time: '2026-05-01T14:00', so2: 3 }), code: 'WX_ERR_BAD_ROW', message: 'time must be an ISO 8601 time with a zone, e.g. 2026-05-01T14:00+08:00, not "2026-05-01T14:00"' },
    { name: 'time within an hour', line: JSON.stringify({ kind: 'air-hour', time: '2026-05-01T14:30+08:00', so2: 3 }), code: 'WX_ERR_BAD_ROW', message: 'time must be a whole hour (the label of the hour it ends, HJ 663), not "2026-05-01T14:30+08:00"' },
    { name: 'air-hour with a date instead of a time', line: JSON.stringify({ kind: 'air-hour', date: '2026-05-01', so2: 3 }), code: 'WX_ERR_BAD_ROW', message: "time is required; unknown field 'date' for kind air-hour" },
    { name: 'unknown field', line: JSON.stringify({ ...good, pm1: 3 }), code: 'WX_ERR_UNKNOWN_FIELD', message: "unknown field 'pm1' for kind noise" },
    { name: 'a number as text', line: JSON.stringify({ kind: 'air-day', date: '2025-06-01', pm25: '35' }), code: 'WX_ERR_WRONG_TYPE', message: 'pm25 must be a number, not "35"' },
    { name: 'null for a missing value', line: JSON.stringify({ kind: 'air-day', date: '2025-06-01', pm25: null, so2: 3 }), code: 'WX_ERR_WRONG_TYPE', message: 'pm25 must be a number, not null (leave a missing value out)' },
    { name: 'negative concentration', line: JSON.stringify({ kind: 'water', date: '2025-06-01', waterbody: 'lake', tp: -0.1 }), code: 'WX_ERR_OUT_OF_RANGE', message: 'tp must not be negative, not -0.1' },
    { name: 'no leq', line: JSON.stringify({ kind: 'noise', date: '2025-06-01', zone: '2', period: 'day' }), code: 'WX_ERR_MISSING_FIELD', message: 'leq is required' },
    { name: 'no waterbody', line: JSON.stringify({ kind: 'water', date: '2025-06-01', nh3n: 1 }), code: 'WX_ERR_MISSING_FIELD', message: 'waterbody is required' },
    { name: 'unknown zone', line: JSON.stringify({ ...good, zone: '5' }), code: 'WX_ERR_BAD_ROW', message: 'zone must be one of "0", "1", "2", "3", "4a", "4b", not "5"' },
    { name: 'an id that is neither text nor a number', line: JSON.stringify({ ...good, id: true }), code: 'WX_ERR_WRONG_TYPE', message: 'id must be a string (1–200 characters) or a number, not true' },
    { name: 'air row without a concentration', line: JSON.stringify({ kind: 'air-day', date: '2025-06-01' }), code: 'WX_ERR_EMPTY_READING', message: 'the row carries no concentration' },
    { name: 'water row with only TN in a river', line: JSON.stringify({ kind: 'water', date: '2025-06-01', waterbody: 'river', tn: 3 }), code: 'WX_ERR_EMPTY_READING', message: 'a water sample needs at least one item that takes part in the class' },
    { name: 'broken JSON', line: '{"kind":"noise",', code: 'WX_ERR_BAD_ROW', message: 'not valid JSON (' },
    { name: 'a JSON value that is not an object', line: '[1,2]', code: 'WX_ERR_BAD_ROW', message: 'a row must be a JSON object, not [1,2]' },
  ];

  for (const { name, line, code, message } of cases) {
    it(`${name}: ${code}`, () => {
      const results = evaluateBatch(`${JSON.stringify({ ...good, id: 'before' })}\n${line}\n${JSON.stringify({ ...good, id: 'after' })}\n`);
      expect(results).toHaveLength(3);
      expect(results[0]).toEqual({ id: 'before', limit: 50, exceeds: false, lmaxLimit: 65, lmaxExceeds: null, standard: 'GB 3096-2008' });
      expect(rowError(results[1]).code).toBe(code);
      expect(rowError(results[1]).message.startsWith(`line 2: ${message}`)).toBe(true);
      expect(results[2]).toMatchObject({ id: 'after', limit: 50 });
    });
  }

  it('reports every problem of a row at once, and keeps a readable id on a bad row', () => {
    const [result] = evaluateBatch(ndjson({ kind: 'noise', id: 'N-2', date: '2025-06-01', zone: 4, period: 'dusk', leq: '58', colour: 'red' }));
    expect(result).toEqual({
      id: 'N-2',
      error: {
        code: 'WX_ERR_BAD_ROW',
        message: 'line 1: zone must be one of "0", "1", "2", "3", "4a", "4b", not 4; period must be one of "day", "night", not "dusk"; '
          + "leq must be a number, not \"58\"; unknown field 'colour' for kind noise",
      },
    });
  });

  it('names a bad date beside a bad number in a CSV row, not as a missing one (red team 11)', () => {
    const [result] = evaluateBatch('kind,waterbody,date,ph\nwater,river,2025-13-01,abc\n');
    expect(rowError(result).message).toBe('line 2: column \'ph\': "abc" is not a number; date must be a calendar day written YYYY-MM-DD, not "2025-13-01"');
  });

  it('many rows, good and bad interleaved, keep their order and ids', () => {
    const rows = Array.from({ length: 200 }, (_, index) => (index % 7 === 3 ? { ...good, id: index, leq: 'loud' } : { ...good, id: index, leq: 40 + (index % 20) }));
    const results = evaluateBatch(ndjson(...rows));
    expect(results.map((result) => result.id)).toEqual(rows.map((row) => row.id));
    results.forEach((result, index) => {
      if (index % 7 === 3) expect(rowError(result).code).toBe('WX_ERR_WRONG_TYPE');
      else expect(result).toMatchObject({ limit: 50, exceeds: 40 + (index % 20) > 50 });
    });
  });

  it('a JSON array input numbers its rows', () => {
    const results = evaluateBatch(JSON.stringify([{ ...good, id: 1 }, 'text', { ...good, zone: 'x' }]));
    expect(results[0]).toMatchObject({ id: 1, limit: 50 });
    expect(rowError(results[1])).toEqual({ code: 'WX_ERR_BAD_ROW', message: 'row 2: a row must be a JSON object, not "text"' });
    expect(rowError(results[2]).message).toMatch(/^row 3: zone must be one of/);
  });
});

describe('evaluate: the input as a whole', () => {
  const row = JSON.stringify({ kind: 'noise', date: '2025-06-01', zone: '2', period: 'night', leq: 45 });

  it(`evaluates ${MAX_ROWS} rows and refuses one more with WX_ERR_TOO_MANY_ROWS`, () => {
    expect(evaluateBatch(Array(MAX_ROWS).fill(row).join('\n'))).toHaveLength(MAX_ROWS);
    expect(batchError(() => evaluateBatch(Array(MAX_ROWS + 1).fill(row).join('\n')))).toEqual({
      code: 'WX_ERR_TOO_MANY_ROWS', message: `the input holds ${MAX_ROWS + 1} rows; at most ${MAX_ROWS} are evaluated at once`,
    });
  });

  it('refuses more than 5 MiB with WX_ERR_PAYLOAD_TOO_LARGE, counting bytes, not characters', () => {
    const padded = `${row}\n${' '.repeat(MAX_BYTES - row.length - 1)}`;
    expect(evaluateBatch(padded)).toHaveLength(1);
    expect(batchError(() => evaluateBatch(`${padded} `)).code).toBe('WX_ERR_PAYLOAD_TOO_LARGE');
    expect(batchError(() => evaluateBatch(`${row}\n${'万'.repeat(MAX_BYTES / 3)}`)).code).toBe('WX_ERR_PAYLOAD_TOO_LARGE');
    expect(batchError(() => decodeInput(new Uint8Array(MAX_BYTES + 1))).code).toBe('WX_ERR_PAYLOAD_TOO_LARGE');
  });

  it('refuses an input with no rows (empty, blank lines, a header alone)', () => {
    for (const text of ['', '\n \r\n', 'kind,date,so2\r\n', '[]']) {
      expect(batchError(() => evaluateBatch(text))).toEqual({ code: 'WX_ERR_BAD_ROW', message: 'the input holds no rows' });
    }
  });

  it('refuses a JSON input that is not an array, or not JSON', () => {
    expect(batchError(() => evaluateBatch('{"kind":"noise"}', 'json')).code).toBe('WX_ERR_NOT_AN_OBJECT');
    expect(batchError(() => evaluateBatch('[{"kind":', 'json')).code).toBe('WX_ERR_MALFORMED_JSON');
  });

  it('follows a format it is given instead of sniffing', () => {
    expect(batchError(() => evaluateBatch(`${row}\n`, 'csv')).message).toMatch(/^the CSV header \(first line\) is broken: a quote inside an unquoted cell/);
    expect(rowError(evaluateBatch('kind,date\nair-day,2025-06-01\n', 'ndjson')[0]).message).toMatch(/^line 1: not valid JSON/);
  });

  it('decodes UTF-8 (dropping a BOM) and refuses other encodings', () => {
    expect(decodeInput(Buffer.from(`\uFEFF${row}`))).toBe(row);
    // "罗湖" in GBK.
    expect(batchError(() => decodeInput(Buffer.from([0xc2, 0xde, 0xba, 0xfe])))).toMatchObject({ code: 'WX_ERR_BAD_ROW', message: expect.stringContaining('not UTF-8') });
  });
});
