import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../services/log.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createInfluxClient } from '../../services/storage/influx-client.ts';
import { createInfluxWriter } from '../../services/storage/influx-writer.ts';
import { startLocalInfluxd } from '../../services/storage/influxd-launcher.ts';

/** A real HTTP hop in front of the real influxd that answers 503 to the first `failures` writes. */
async function flakyProxy(target: string, failures: number): Promise<{ url: string; server: Server; refused: () => number }> {
  let refused = 0;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.url?.startsWith('/write') && refused < failures) {
      refused += 1;
      response.writeHead(503).end('{"error":"overloaded"}');
      return;
    }
    const upstream = await fetch(`${target}${request.url}`, { method: request.method, headers: { 'content-type': String(request.headers['content-type'] ?? '') }, body: chunks.length ? Buffer.concat(chunks) : undefined });
    response.writeHead(upstream.status, Object.fromEntries(upstream.headers)).end(Buffer.from(await upstream.arrayBuffer()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, refused: () => refused };
}

describe('storage against a real influxd', () => {
  const database = `test_${randomBytes(6).toString('hex')}`;
  const direct = createInfluxClient({ url: inject('influxUrl'), database });

  beforeAll(async () => {
    await direct.ensureDatabase('INF');
  });
  afterAll(async () => {
    await direct.query(`DROP DATABASE "${database}"`, { database: null });
  });

  it('reads the server version from /ping', async () => {
    expect(await direct.ping()).toMatch(/^\d+\.\d+/);
  });

  it('creates the retention policy, and follows a changed retention on the next start', async () => {
    const name = `${database}_rp`;
    for (const retention of ['INF', '52w']) {
      await createInfluxClient({ url: inject('influxUrl'), database: name, retentionPolicy: 'raw' }).ensureDatabase(retention);
    }
    const policies = await direct.query(`SHOW RETENTION POLICIES ON "${name}"`);
    const raw = policies[0]!.values.find((row) => row[0] === 'raw');
    expect(raw?.[1]).toBe('8736h0m0s');
    await direct.query(`DROP DATABASE "${name}"`, { database: null });
  });

  it('retries a write that met 503 with backoff, and lands it once', async () => {
    const proxy = await flakyProxy(inject('influxUrl'), 3);
    const metrics = createMetrics();
    const writer = createInfluxWriter({
      client: createInfluxClient({ url: proxy.url, database }),
      concurrency: 1,
      metrics,
      log: createLogger('silent'),
      onRejected: () => { throw new Error('a 503 must not be treated as a refusal'); },
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
    });
    writer.enqueue([{ family: 'air', line: 'retry_probe,device=a v=1 1700000000000' }, { family: 'air', line: 'retry_probe,device=b v=2 1700000000000' }]);
    await writer.drain();
    proxy.server.close();
    expect(proxy.refused()).toBe(3);
    expect((await metrics.writeRetries.get()).values[0]!.value).toBe(3);
    const series = await direct.query('SELECT COUNT("v") FROM "retry_probe"');
    expect(series[0]!.values[0]![1]).toBe(2);
  });

  it('writes every line of a batch but the poisoned ones, which it quarantines alone', async () => {
    await direct.write('poison_probe,device=x v=1 1700000000000');
    const refused: string[] = [];
    const metrics = createMetrics();
    const writer = createInfluxWriter({
      client: direct,
      concurrency: 1,
      metrics,
      log: createLogger('silent'),
      onRejected: (batch, error) => refused.push(...batch.map((entry) => `${error.code}:${error.httpStatus}:${entry.line}`)),
    });
    const lines = Array.from({ length: 40 }, (_, i) => `poison_probe,device=d${i} v=${i} 1700000001000`);
    lines[17] = 'poison_probe,device=d17 v="a string where a float lives" 1700000001000';
    lines[31] = 'this is not line protocol';
    writer.enqueue(lines.map((line) => ({ family: 'air', line })));
    await writer.drain();
    expect(refused.map((entry) => entry.split(':').slice(0, 2).join(':'))).toEqual(['WX_ERR_INFLUX_REJECTED:400', 'WX_ERR_INFLUX_REJECTED:400']);
    expect(refused.map((entry) => entry.split(':').slice(2).join(':'))).toEqual([lines[17], lines[31]]);
    const series = await direct.query('SELECT COUNT("v") FROM "poison_probe" WHERE time = 1700000001000ms');
    expect(series[0]!.values[0]![1]).toBe(38);
    expect((await metrics.writeBisections.get()).values[0]!.value).toBeGreaterThan(0);
  });

  it('isolates a poisoned line inside a block of lines (a spool record passed through whole) and writes the rest', async () => {
    await direct.write('block_probe,device=x v=1 1700000000000');
    const refused: Array<{ line: string; readings: number | undefined }> = [];
    const writer = createInfluxWriter({ client: direct, concurrency: 1, metrics: createMetrics(), log: createLogger('silent'), onRejected: (batch) => refused.push(...batch.map((entry) => ({ line: entry.line, readings: entry.readings }))) });
    const lines = Array.from({ length: 30 }, (_, i) => `block_probe,device=b v=${i} ${1700000002000 + i}`);
    lines[11] = 'block_probe,device=b v="a string where a float lives" 1700000002011';
    // Three blocks of ten lines, as decodeRecordBlock hands them to the writer.
    const blocks = [0, 10, 20].map((at) => ({ family: 'air', device: 'b', hour: 0, line: lines.slice(at, at + 10).join('\n'), readings: 10 }));
    expect(writer.enqueue(blocks)).toBeInstanceOf(Promise);
    expect(writer.pending).toBe(30);
    await writer.drain();
    expect(refused).toEqual([{ line: lines[11], readings: 1 }]);
    const series = await direct.query('SELECT COUNT("v") FROM "block_probe" WHERE time >= 1700000002000ms');
    expect(series[0]!.values[0]![1]).toBe(29);
  });

  it('writes a line without the fields whose type conflicts, and hands those fields on; other refusals as before', async () => {
    // An outside writer made `pm25` a string and `o3` an integer in this shard.
    await direct.write('conflict_probe,device=outsider pm25="high",o3=7i 1700000000000');
    const refusedFields: Array<{ line: string; fields: string[]; reasons: readonly string[] }> = [];
    const rejected: string[] = [];
    const metrics = createMetrics();
    const writer = createInfluxWriter({
      client: direct,
      concurrency: 1,
      metrics,
      log: createLogger('silent'),
      onRejected: (batch, error) => rejected.push(...batch.map((entry) => `${error.code}:${entry.line}`)),
      onFieldsRefused: ({ entry, line, conflicts, reasons }) => refusedFields.push({ line, fields: conflicts.map((conflict) => `${entry.device}:${conflict.field}:${conflict.type}:${conflict.existingType}`), reasons }),
    });
    const fields = (i: number) => `pm25=${i}.5,pm10=40,so2=8,no2=27,o3=${i}.25,co=0.6`;
    const lines = Array.from({ length: 40 }, (_, i) => `conflict_probe,device=d${i} pm25="s${i}",pm10=40,so2=8,no2=27,o3=${i}i,co=0.6 1700000001000`);
    lines[5] = `conflict_probe,device=d5 ${fields(5)} 1700000001000`; // pm25 and o3 conflict (1.x names one an answer)
    lines[17] = 'conflict_probe,device=d17 pm10=40,so2=8,no2=27,pm25=17.5,o3=17i,co=0.6 1700000001000'; // pm25 alone conflicts
    lines[23] = 'conflict_probe,device=d23 pm25=23.5 1700000001000'; // nothing left without it: refused whole
    lines[31] = 'this is not line protocol';
    // The lines as blocks of ten (a spool record passed through whole), device and hour for the accounting.
    const blocks = [0, 10, 20, 30].map((at) => ({ family: 'air', device: `block${at}`, hour: 0, line: lines.slice(at, at + 10).join('\n'), readings: 10 }));
    await writer.enqueue(blocks);
    expect(rejected).toEqual([`WX_ERR_INFLUX_REJECTED:${lines[23]}`, `WX_ERR_INFLUX_REJECTED:this is not line protocol`]);
    expect(refusedFields.map(({ line, fields: named }) => ({ line, named }))).toEqual([
      { line: 'conflict_probe,device=d5 pm25=5.5,o3=5.25 1700000001000', named: ['block0:pm25:float:string', 'block0:o3:float:integer'] },
      { line: 'conflict_probe,device=d17 pm25=17.5 1700000001000', named: ['block10:pm25:float:string'] },
    ]);
    expect(refusedFields[1]!.reasons).toEqual(['InfluxDB refused field "pm25" of measurement "conflict_probe": it is float in this point and the database already has it as string (field type conflict); the point\'s other 5 fields were written']);
    const rows = async (device: string) => {
      const series = await direct.query(`SELECT * FROM "conflict_probe" WHERE "device" = '${device}'`);
      return Object.fromEntries(series[0]!.columns.map((column, i) => [column, series[0]!.values[0]![i]]));
    };
    expect(await rows('d17')).toMatchObject({ pm10: 40, so2: 8, no2: 27, o3: 17, co: 0.6, pm25: null });
    expect(await rows('d5')).toMatchObject({ pm10: 40, so2: 8, no2: 27, co: 0.6, pm25: null, o3: null });
    const written = await direct.query('SELECT COUNT("pm10") FROM "conflict_probe" WHERE time = 1700000001000ms');
    expect(written[0]!.values[0]![1]).toBe(38); // 40 lines but d23 (refused whole) and the one that is not line protocol
    expect((await metrics.readingsWritten.get()).values.find((value) => value.labels.family === 'air')!.value).toBe(38);
    expect((await metrics.writeBisections.get()).values[0]!.value).toBeGreaterThan(0);
  });

  it('treats an unreachable server as retryable', async () => {
    const client = createInfluxClient({ url: 'http://127.0.0.1:1', database, requestTimeoutMs: 1_000 });
    await expect(client.ping()).rejects.toMatchObject({ code: 'WX_ERR_INFLUX_UNAVAILABLE', retryable: true });
  });

  it('launches influxd with its own data folder and port, and stops it cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-launch-'));
    const influxd = await startLocalInfluxd({ dataDir });
    expect(influxd.url).not.toBe(inject('influxUrl'));
    expect(await createInfluxClient({ url: influxd.url, database: 'x' }).ping()).toMatch(/^1\./);
    expect(existsSync(join(dataDir, 'meta'))).toBe(true);
    await influxd.stop();
    expect(() => process.kill(influxd.pid, 0)).toThrow();
    await rm(dataDir, { recursive: true, force: true });
  });
});
