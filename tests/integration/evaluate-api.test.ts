import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEvaluateRoute } from '../../services/api/evaluate-route.ts';
import { MAX_BYTES, MAX_ROWS } from '../../services/evaluate/index.ts';

const goodNoise = { kind: 'noise', date: '2025-06-01', zone: '4a', period: 'night', leq: 58, lmax: 68 };
const goodWater = { kind: 'water', date: '2025-06-01', waterbody: 'river', ph: 7.2, do: 6.1, nh3n: 1.4, tp: 0.15 };
const goodDay = { kind: 'air-day', date: '2025-06-01', so2: 8, no2: 30, co: 0.8, pm10: 45, pm25: 28, o3_8h: 180, o3_1h: 230 };
const ndjson = (...rows: readonly object[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
const lines = (text: string) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('POST /api/v1/evaluate over real HTTP', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = Fastify();
    // A route of the application outside the evaluate context: its JSON parsing must stay as it was.
    app.post('/echo', async (request) => ({ echoed: request.body }));
    registerEvaluateRoute(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    url = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  const post = (body: string | Blob, contentType?: string) =>
    fetch(`${url}/api/v1/evaluate`, { method: 'POST', body, headers: contentType === undefined ? {} : { 'content-type': contentType } });

  it('NDJSON: 200 with one line per row in order; bad rows carry their error, good rows are evaluated', async () => {
    const body = [
      JSON.stringify({ ...goodDay, id: 'A-1' }),
      JSON.stringify({ kind: 'soil', id: 'S-1', date: '2025-06-01' }),
      '',
      JSON.stringify({ ...goodWater, id: 2 }),
      '{"kind":"noise",',
      JSON.stringify({ ...goodNoise, id: 'N-1', leq: '58' }),
      JSON.stringify({ ...goodNoise, id: 'N-2' }),
    ].join('\n');
    const response = await post(body, 'application/x-ndjson');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await response.text();
    expect(text.endsWith('\n')).toBe(true);
    const results = lines(text);
    expect(results.map((result) => result.id)).toEqual(['A-1', 'S-1', 2, undefined, 'N-1', 'N-2']);
    expect(results[0]).toMatchObject({ aqi: 119, primary: ['o3_8h'], level: 3, category: '轻度污染', standard: 'HJ 633-2012' });
    expect(results[1]).toEqual({ id: 'S-1', error: { code: 'WX_ERR_BAD_ROW', message: 'line 2: unknown kind "soil" (expected air-day, air-hour, water, noise)' } });
    expect(results[2]).toEqual({ id: 2, class: 'IV', grade: '轻度污染', limiting: ['nh3n'], multiples: { nh3n: 0.4 }, standard: 'GB 3838-2002' });
    expect(results[3]).toMatchObject({ error: { code: 'WX_ERR_BAD_ROW', message: expect.stringMatching(/^line 5: not valid JSON/) } });
    expect(results[4]).toEqual({ id: 'N-1', error: { code: 'WX_ERR_WRONG_TYPE', message: 'line 6: leq must be a number, not "58"' } });
    expect(results[5]).toEqual({ id: 'N-2', limit: 55, exceeds: true, lmaxLimit: 70, lmaxExceeds: false, standard: 'GB 3096-2008' });
  });

  it('CSV (with charset, BOM, CRLF): empty cells are missing values, a non-numeric cell names its column', async () => {
    const csv = '\uFEFFid,kind,date,waterbody,zone,period,leq,lmax,nh3n,tp\r\n'
      + 'w1,water,2025-06-01,river,,,,,1.4,0.15\r\n'
      + 'n1,noise,2025-06-01,,4a,night,58,68,,\r\n'
      + 'n2,noise,2025-06-01,,4a,night,n/a,,,\r\n'
      + 'n3,noise,2025-06-01,,2,day,55,,,\r\n';
    const response = await post(csv, 'text/csv; charset=utf-8');
    expect(response.status).toBe(200);
    const results = lines(await response.text());
    expect(results).toEqual([
      { id: 'w1', class: 'IV', grade: '轻度污染', limiting: ['nh3n'], multiples: { nh3n: 0.4 }, standard: 'GB 3838-2002' },
      { id: 'n1', limit: 55, exceeds: true, lmaxLimit: 70, lmaxExceeds: false, standard: 'GB 3096-2008' },
      { id: 'n2', error: { code: 'WX_ERR_BAD_ROW', message: `line 4: column 'leq': "n/a" is not a number` } },
      { id: 'n3', limit: 60, exceeds: false, lmaxLimit: null, lmaxExceeds: null, standard: 'GB 3096-2008' },
    ]);
  });

  it('text/plain is sniffed; application/json takes an array of row objects', async () => {
    const plain = await post(ndjson({ ...goodNoise, id: 1 }), 'text/plain');
    expect(lines(await plain.text())).toEqual([{ id: 1, limit: 55, exceeds: true, lmaxLimit: 70, lmaxExceeds: false, standard: 'GB 3096-2008' }]);
    const plainCsv = await post('kind,date,zone,period,leq\nnoise,2025-06-01,1,day,50\n', 'text/plain; charset=utf-8');
    expect(lines(await plainCsv.text())).toEqual([{ limit: 55, exceeds: false, lmaxLimit: null, lmaxExceeds: null, standard: 'GB 3096-2008' }]);
    const json = await post(JSON.stringify([{ ...goodNoise, id: 'j1' }, { ...goodNoise, zone: '9' }]), 'application/json');
    expect(json.status).toBe(200);
    const results = lines(await json.text());
    expect(results[0]).toMatchObject({ id: 'j1', limit: 55 });
    expect(results[1]).toMatchObject({ error: { code: 'WX_ERR_BAD_ROW', message: expect.stringMatching(/^row 2: zone must be one of/) } });
  });

  it('a body that is not rows at all answers 400 { code, message }', async () => {
    const cases: readonly [string | Blob, string | undefined, string][] = [
      ['{"kind":"noise"}', 'application/json', 'WX_ERR_NOT_AN_OBJECT'],
      ['[{"kind":', 'application/json', 'WX_ERR_MALFORMED_JSON'],
      ['', 'application/x-ndjson', 'WX_ERR_BAD_ROW'],
      ['\n\n', 'text/csv', 'WX_ERR_BAD_ROW'],
      ['air-day,2025-06-01,8\n', 'text/csv', 'WX_ERR_BAD_ROW'],
      [new Blob([new Uint8Array([0xc2, 0xde, 0xba, 0xfe])]), 'text/csv', 'WX_ERR_BAD_ROW'], // "罗湖" in GBK
      ['<rows/>', 'application/xml', 'WX_ERR_BAD_ROW'],
    ];
    for (const [body, type, code] of cases) {
      const response = await post(body, type);
      expect(response.status, `${type}: ${String(body)}`).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const answer = (await response.json()) as Record<string, unknown>;
      expect(Object.keys(answer).sort()).toEqual(['code', 'message']);
      expect(answer.code, `${type}: ${String(body)}`).toBe(code);
    }
  });

  it(`refuses more than ${MAX_ROWS} rows and more than 5 MiB, both 413 as the README says, with the catalogue's codes`, async () => {
    const tooMany = await post(ndjson(...Array<object>(MAX_ROWS + 1).fill(goodNoise)), 'application/x-ndjson');
    expect(tooMany.status).toBe(413);
    expect(await tooMany.json()).toEqual({ code: 'WX_ERR_TOO_MANY_ROWS', message: `the input holds ${MAX_ROWS + 1} rows; at most ${MAX_ROWS} are evaluated at once` });

    const justFits = `${JSON.stringify(goodNoise)}\n`;
    const padded = justFits + ' '.repeat(MAX_BYTES - justFits.length);
    const fits = await post(padded, 'application/x-ndjson');
    expect(fits.status).toBe(200);
    expect(lines(await fits.text())).toHaveLength(1);
    const tooLarge = await post(`${padded}\n`, 'application/x-ndjson');
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ code: 'WX_ERR_PAYLOAD_TOO_LARGE', message: `the body is larger than ${MAX_BYTES} bytes (5 MiB)` });
  });

  it('keeps its body parsers to itself: the rest of the application still parses JSON as before', async () => {
    const response = await fetch(`${url}/echo`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(await response.json()).toEqual({ echoed: { a: 1 } });
    const csv = await fetch(`${url}/echo`, { method: 'POST', body: 'a,b\n', headers: { 'content-type': 'text/csv' } });
    expect(csv.status).toBe(415);
  });
});

describe('wanxiang evaluate FILE (the CLI command, run as a real process)', () => {
  const root = resolve(import.meta.dirname, '../..');
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanxiang-evaluate-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs evaluateCommand([file]) in a fresh node with tsx; resolves with its exit code and output. */
  const run = async (name: string, content: string) => {
    const file = join(dir, name);
    await writeFile(file, content);
    const script = "import('./services/cli/evaluate.ts').then((m) => m.evaluateCommand([process.argv[1]]))";
    return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile('node', ['--import', 'tsx', '-e', script, file], { cwd: root }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr });
      });
    });
  };

  it('prints one JSON line per row and exits 1 when a row had an error', async () => {
    const { code, stdout, stderr } = await run('mixed.ndjson', ndjson(
      { ...goodDay, id: 'A-1' },
      { ...goodNoise, id: 'bad', period: 'evening' },
      { ...goodNoise, id: 'N-1' },
    ));
    expect(code).toBe(1);
    const results = lines(stdout);
    expect(results.map((result) => result.id)).toEqual(['A-1', 'bad', 'N-1']);
    expect(results[0]).toMatchObject({ aqi: 119, standard: 'HJ 633-2012' });
    expect(results[1]).toEqual({ id: 'bad', error: { code: 'WX_ERR_BAD_ROW', message: 'line 2: period must be one of "day", "night", not "evening"' } });
    expect(results[2]).toMatchObject({ limit: 55, exceeds: true });
    expect(stderr).toBe('3 rows: 2 evaluated, 1 with an error\n');
  });

  it('exits 0 when every row was evaluated (CSV)', async () => {
    const { code, stdout } = await run('sheet.csv', 'id,kind,date,so2,pm25,o3_8h\r\nd1,air-day,2026-02-28,8,61,90\r\nd2,air-day,2026-03-01,8,61,90\r\n');
    expect(code).toBe(0);
    expect(lines(stdout)).toEqual([
      { id: 'd1', aqi: 83, iaqi: { so2: 8, pm25: 83, o3_8h: 45 }, primary: ['pm25'], level: 2, category: '良', standard: 'HJ 633-2012', missing: ['no2', 'co', 'pm10', 'o3_1h'] },
      { id: 'd2', aqi: 101, iaqi: { so2: 8, pm25: 101, o3_8h: 45 }, primary: ['pm25'], level: 3, category: '轻度污染', standard: 'HJ 633-2026', missing: ['no2', 'co', 'pm10'] },
    ]);
  });

  it('exits 2 with the code on stderr when the input is not rows at all', async () => {
    const { code, stdout, stderr } = await run('empty.csv', '\n');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('WX_ERR_BAD_ROW: the input holds no rows\n');
  });
});
