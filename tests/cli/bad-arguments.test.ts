import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { freePort } from '../../services/storage/influxd-launcher.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';
import { inPool, repoRoot, runCli, stackTrace, type CliRun } from './run-cli.ts';

interface Case {
  readonly args: readonly string[];
  /** 2 for a bad or missing argument, 1 for an operational failure with this code. */
  readonly exit: 1 | 2;
  readonly code?: string;
  /** Text the one line must hold (the option named, where we looked...). */
  readonly says?: RegExp;
  readonly env?: NodeJS.ProcessEnv;
}

// Issue 13's lists, and more: every command, with bad and missing arguments and failing outside parts.
const usageCases = (recording: string, registry: string): Case[] => [
  { args: ['start', '--ws-port', '-5'], exit: 2, says: /--ws-port takes an integer from -1 to 65535/ },
  { args: ['start', '--bogus'], exit: 2, says: /"--bogus"/ },
  { args: ['start', '--mqtt-port'], exit: 2, says: /--mqtt-port needs a value/ },
  { args: ['start', '--mqtt-port', 'abc'], exit: 2, says: /--mqtt-port/ },
  { args: ['start', '--http-port', '70000'], exit: 2, says: /--http-port/ },
  { args: ['start', '--replay-speed', '0'], exit: 2, says: /--replay-speed/ },
  { args: ['start', '--influx-url', 'notaurl'], exit: 2, says: /--influx-url/ },
  { args: ['start', '--no-simulate=yes'], exit: 2, says: /--no-simulate is a flag/ },
  { args: ['start', 'extra'], exit: 2, says: /"extra"/ },
  { args: ['replay'], exit: 2, says: /FILE is required/ },
  { args: ['replay', recording, '--speed', '-5'], exit: 2, says: /--speed takes a number above 0 or max, not "-5"/ },
  { args: ['replay', recording, '--speed', 'abc'], exit: 2, says: /--speed/ },
  { args: ['replay', recording, '--url'], exit: 2, says: /--url needs a value/ },
  { args: ['replay', recording, '--bogus'], exit: 2, says: /"--bogus"/ },
  { args: ['replay', recording, '--timestamps', 'yesterday'], exit: 2, says: /--timestamps takes one of original, now/ },
  { args: ['replay', recording, '--family', 'rocket'], exit: 2, says: /--family/ },
  { args: ['replay', recording, recording], exit: 2, says: /unexpected argument/ },
  { args: ['record', '--duration', '-5'], exit: 2, says: /--duration/ },
  { args: ['record', '--duration', 'abc'], exit: 2, says: /--duration/ },
  { args: ['record', '--url', 'http://127.0.0.1:1883'], exit: 2, says: /--url/ },
  { args: ['record', '--out'], exit: 2, says: /--out needs a value/ },
  { args: ['simulate', '--devices', '-3'], exit: 2, says: /--devices takes an integer from 1/ },
  { args: ['simulate', '--devices=-3'], exit: 2, says: /--devices/ },
  { args: ['simulate', '--devices', 'abc'], exit: 2, says: /--devices/ },
  { args: ['simulate', '--family', 'rocket'], exit: 2, says: /--family takes one of air/ },
  { args: ['simulate', '--fault', 'bogus=0.5'], exit: 2, says: /--fault takes NAME=RATE/ },
  { args: ['simulate', '--fault', 'spike=abc'], exit: 2, says: /--fault/ },
  { args: ['simulate', '--fault', 'spike=2'], exit: 2, says: /--fault/ },
  { args: ['simulate', '--interval', '0'], exit: 2, says: /--interval/ },
  { args: ['simulate', '--seed', '-1'], exit: 2, says: /--seed/ },
  { args: ['backfill', '--batch', '-1'], exit: 2, says: /--batch takes an integer from 1 to 10000/ },
  { args: ['backfill', '--step=-5'], exit: 2, says: /--step/ },
  { args: ['backfill', '--from', '2025-13-01'], exit: 2, says: /--from takes a date/ },
  { args: ['backfill', '--from', '2025-02-30'], exit: 2, says: /--from/ },
  { args: ['backfill', '--from', '2025-02-01', '--to', '2025-01-01'], exit: 2, says: /--to must come after --from/ },
  { args: ['backfill', '--devices', '0'], exit: 2, says: /--devices/ },
  { args: ['backfill', '--url', 'ftp://example.org'], exit: 2, says: /--url/ },
  { args: ['rollup'], exit: 2, says: /--from is required/ },
  { args: ['rollup', '--from', 'yesterday', '--to', '2026-01-01'], exit: 2, says: /--from takes a date/ },
  { args: ['rollup', '--from', '2026-01-02', '--to', '2026-01-01'], exit: 2, says: /--to must come after --from/ },
  { args: ['rollup', '--from', '2026-01-01'], exit: 2, says: /--to is required/ },
  { args: ['report'], exit: 2, says: /--period is required/ },
  { args: ['report', '--period', '2026-13'], exit: 2, says: /--period takes a year/ },
  { args: ['report', '--period', '2025', '--format', 'xml'], exit: 2, says: /--format takes one of md, csv, json, xlsx, not "xml"/ },
  // Issue 22 item 4: years outside the 2021-2025 plan are refused, not reported "in progress".
  { args: ['report', '--period', '2019'], exit: 2, says: /--period takes a year of the 2021-2025 plan/ },
  { args: ['report', '--period', '2027-03'], exit: 2, says: /--period takes a year of the 2021-2025 plan/ },
  { args: ['report', '--period', '2025', '--lang', 'fr'], exit: 2, says: /--lang takes one of zh, en, not "fr"/ },
  { args: ['report', '--period', '2025', '--api', 'localhost:3000'], exit: 2, says: /--api/ },
  { args: ['evaluate'], exit: 2, says: /FILE/ },
  { args: ['evaluate', '--format', 'xml', '-'], exit: 2, says: /--format/ },
  { args: ['evaluate', 'a.csv', 'b.csv'], exit: 2, says: /unexpected argument/ },
  { args: ['ingest'], exit: 2, says: /--broker \(or WX_BROKER_URL\) is required/ },
  { args: ['ingest', '--broker', 'mqtt://b:1883', '--sessions', '0'], exit: 2, says: /--sessions takes an integer from 1 to 64/ },
  { args: ['ingest', '--broker', 'http://b'], exit: 2, says: /--broker takes/ },
  { args: ['devices'], exit: 2, says: /ACTION is required/ },
  { args: ['devices', 'frob'], exit: 2, says: /ACTION takes one of list/ },
  { args: ['devices', 'add', '--attributes', '{bad'], exit: 2, says: /--attributes takes a JSON object/ },
  { args: ['devices', 'add', '--id', 'x', '--registry', registry], exit: 2, says: /needs --family/ },
  { args: ['devices', 'list', '--lat', '100'], exit: 2, says: /--lat/ },
  { args: ['devices', 'rotate', '--registry', registry], exit: 2, says: /needs --id/ },
  { args: ['devices', 'add', '--registry', registry, '--id', 'air-new', '--family', 'air', '--site', 's', '--site-name', 'n', '--street', 'st', '--lat', '22.5', '--lon', '114.1', '--attributes', '{"bogus":1}'], exit: 2, says: /attributes/ },
  { args: ['frobnicate'], exit: 2, says: /unknown command/ },
];

describe('every command with bad arguments (issue 13, items 1-8)', () => {
  let work: string;
  let live: TestPlatform;
  let taken: Server;
  let takenPort: number;
  let closedPort: number;
  let recording: string;
  let registry: string;
  const env = () => ({ WX_DATA_DIR: join(work, 'data'), WX_LOG_LEVEL: 'info' });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wanxiang-cli-'));
    recording = join(repoRoot, 'seeds/recordings/district-day.ndjson.gz');
    registry = join(work, 'devices.json');
    await copyFile(join(repoRoot, 'seeds/devices.json'), registry);
    await writeFile(join(work, 'sheet.csv'), 'date,pm25\n2025-01-01,30\n');
    live = await startTestPlatform();
    taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    takenPort = (taken.address() as { port: number }).port;
    closedPort = await freePort();
  });

  afterAll(async () => {
    taken?.close();
    await live?.close();
    await rm(work, { recursive: true, force: true });
  });

  const check = (run: CliRun, testCase: Case) => {
    const label = `wanxiang ${testCase.args.join(' ')}\n${run.stderr}`;
    expect(run.stderr, label).not.toMatch(stackTrace);
    expect(run.code, label).toBe(testCase.exit);
    // One coded line (progress lines on stderr may come before it; a bad argument's is the first).
    const coded = run.stderr.split('\n').filter((line) => /^WX_ERR_/.test(line));
    expect(coded, label).toHaveLength(1);
    const first = coded[0]!;
    if (testCase.exit === 2) expect(run.stderr.startsWith(first), label).toBe(true);
    expect(first, label).toMatch(testCase.code ? new RegExp(`^${testCase.code}: `) : /^WX_ERR_INVALID_ARGUMENT: /);
    if (testCase.says) expect(first, label).toMatch(testCase.says);
    if (testCase.exit === 2) expect(run.stderr, label).toMatch(new RegExp(`wanxiang ${testCase.args[0] === 'frobnicate' ? '<command>' : testCase.args[0]}`));
    expect(run.stdout, label).toBe('');
  };

  it('answers a bad or missing argument with one line naming it, then the usage, and exit 2', async () => {
    const cases = usageCases(recording, registry);
    const runs = await inPool(cases, 3, (testCase) => runCli(testCase.args, { ...env(), ...testCase.env }));
    cases.forEach((testCase, index) => check(runs[index]!, testCase));
  }, 600_000);

  it('answers an operational failure with one WX_ERR_* line and exit 1', async () => {
    const noRetentionPolicy = `cli_no_rp_${process.pid}`;
    await createInfluxClient({ url: inject('influxUrl'), database: noRetentionPolicy, requestTimeoutMs: 10_000 }).query(`CREATE DATABASE "${noRetentionPolicy}"`, { database: null });
    const mqttUrl = live.endpoints.mqttUrl;
    const cases: Case[] = [
      { args: ['replay', 'nosuchfile'], exit: 1, code: 'WX_ERR_FILE', says: /nosuchfile/ },
      { args: ['replay', join(work, 'sheet.csv')], exit: 1, code: 'WX_ERR_FILE', says: /not a recording/ },
      { args: ['record', '--out', '/nonexistent/dir/x.gz'], exit: 1, code: 'WX_ERR_FILE', says: /\/nonexistent\/dir/ },
      { args: ['report', '--period', '2025', '--out', '/nonexistent/dir/r.md'], exit: 1, code: 'WX_ERR_FILE' },
      { args: ['devices', 'list', '--registry', 'nosuch.json'], exit: 1, code: 'WX_ERR_FILE', says: /nosuch\.json/ },
      // No platform and no InfluxDB named: never a guessed 127.0.0.1:3000 (issue 22 item 4).
      { args: ['report', '--period', '2025'], exit: 1, code: 'WX_ERR_PLATFORM_NOT_FOUND', says: /runtime\.json/ },
      { args: ['report', '--period', '2025', '--api', `http://127.0.0.1:${closedPort}`], exit: 1, code: 'WX_ERR_CONNECTION', says: /--api/ },
      { args: ['record', '--url', `mqtt://127.0.0.1:${closedPort}`, '--out', join(work, 'r.gz')], exit: 1, code: 'WX_ERR_CONNECTION' },
      { args: ['record', '--url', mqttUrl, '--out', join(work, 'r.gz')], exit: 1, code: 'WX_ERR_BAD_CREDENTIALS', env: { WX_OBSERVER_PASSWORD: 'wrong' } },
      { args: ['simulate', '--url', `mqtt://127.0.0.1:${closedPort}`, '--devices', '1'], exit: 1, code: 'WX_ERR_CONNECTION' },
      { args: ['replay', recording, '--url', `mqtt://127.0.0.1:${closedPort}`], exit: 1, code: 'WX_ERR_CONNECTION' },
      // Into a running platform, backfill counts what landed in its InfluxDB: with neither a platform nor --influx-url it says so first.
      { args: ['backfill', '--url', `mqtt://127.0.0.1:${closedPort}`, '--devices', '1', '--from', '2025-01-01', '--to', '2025-01-02'], exit: 1, code: 'WX_ERR_PLATFORM_NOT_FOUND', says: /--influx-url/ },
      { args: ['backfill', '--url', `mqtt://127.0.0.1:${closedPort}`, '--influx-url', inject('influxUrl'), '--devices', '1', '--from', '2025-01-01', '--to', '2025-01-02'], exit: 1, code: 'WX_ERR_CONNECTION' },
      { args: ['rollup', '--from', '2026-12-02', '--to', '2026-12-03', '--influx-url', 'http://127.0.0.1:1'], exit: 1, code: 'WX_ERR_CONNECTION', says: /--influx-url/ },
      { args: ['rollup', '--from', '2026-12-02', '--to', '2026-12-03'], exit: 1, code: 'WX_ERR_PLATFORM_NOT_FOUND', says: /runtime\.json/ },
      { args: ['rollup', '--from', '2026-12-02', '--to', '2026-12-03', '--influx-url', inject('influxUrl')], exit: 1, code: 'WX_ERR_ROLLUP_FAILED', says: /retention policy/, env: { INFLUX_DB: noRetentionPolicy } },
      { args: ['start', '--replay', 'nosuchfile'], exit: 1, code: 'WX_ERR_FILE' },
      { args: ['start', '--no-simulate', '--influx-url', inject('influxUrl'), '--mqtt-port', String(takenPort), '--ws-port', '-1', '--http-port', '0', '--data-dir', join(work, 'port')], exit: 1, code: 'WX_ERR_PORT_IN_USE', says: new RegExp(String(takenPort)) },
      { args: ['start', '--no-simulate', '--host', '0.0.0.0', '--data-dir', join(work, 'exposed')], exit: 1, code: 'WX_ERR_INSECURE_LISTEN', says: /WX_ALLOW_INSECURE_DEMO/ },
      { args: ['start', '--no-simulate'], exit: 1, code: 'WX_ERR_CONFIG', env: { WX_MQTT_PORT: '99999' } },
    ];
    const runs = await inPool(cases, 3, (testCase) => runCli(testCase.args, { ...env(), ...testCase.env }));
    cases.forEach((testCase, index) => check(runs[index]!, testCase));
  }, 600_000);
});
