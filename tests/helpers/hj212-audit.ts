import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arcCrc, crcText, hj212Crc, modbusCrc } from '../../services/hj212/crc.ts';
import { encodeFrame } from '../../services/hj212/reply.ts';
import type { RegistryFile } from '../../services/registry/registry-schema.ts';
import { hashSecret } from '../../services/registry/secrets.ts';
import { connectStation, parseStationUrl, type StationConnection } from '../../simulators/hj212-client.ts';
import { writeStationRegistry } from '../fixtures/hj212-registry.ts';
import { startTestPlatform, type TestPlatform } from './test-platform.ts';

/**
 * A platform with HJ 212 stations for the receiver's audit tests (tests/integration/hj212-audit*.test.ts):
 * the fixture's stations (tests/fixtures/hj212-registry.ts, 20 load stations LOAD000000001…) and
 * the ones below, all with PW 123456, over a real socket.
 */
export const audit = {
  generic: { id: 'air-donghu', mn: 'AUDIT-AIR-0001' },
  micro: { id: 'air-dongxiao', mn: 'AQI2411132600332' },
  compat: { id: 'air-sungang', mn: 'AUDIT-COMPAT-0001' },
  water: { id: 'water-reservoir-flood-river-mouth', mn: 'AUDIT-WATER-0001' },
  doomed: { id: 'noise-cuizhu-road-1', mn: 'AUDIT-REMOVE-0001' },
  /** A 2005 logger that waits for an answer to its Flag-less packets (`answerFlagless`). */
  legacy: { id: 'water-liantang-river-quarry', mn: 'AUDIT-2005-0001' },
  /** A logger whose clock runs in UTC (`utcOffsetMinutes: 0`). */
  utc: { id: 'air-qingshuihe', mn: 'AUDIT-UTC-0001' },
  /** A station that reports every 10 min (`reportIntervalMs`); `generic` declares none. */
  slow: { id: 'noise-donghu-road-1', mn: 'AUDIT-SLOW-0001' },
} as const;

async function writeAuditRegistry(dir: string): Promise<string> {
  const path = await writeStationRegistry(dir, 20);
  const file = JSON.parse(await readFile(path, 'utf8')) as RegistryFile;
  const pwHash = await hashSecret('123456', undefined, { N: 1024, r: 8, p: 1 });
  for (const [key, { id, mn }] of Object.entries(audit)) {
    const device = file.devices.find((candidate) => candidate.id === id)!;
    if (key === 'slow') device.reportIntervalMs = 600_000;
    // The seeded stations declare their interval (seeds/devices.json, air 5 min); this one stands for a station that declares none.
    if (key === 'generic') delete device.reportIntervalMs;
    device.hj212 = { mn, pwHash, crc: key === 'compat' ? 'compat' : 'strict', ...(key === 'legacy' ? { answerFlagless: true } : {}), ...(key === 'utc' ? { utcOffsetMinutes: 0 } : {}) };
  }
  await writeFile(path, JSON.stringify(file));
  return path;
}

/** A frame as a device may build it: any CRC algorithm, length in bytes or characters, any tail. */
export function frameOf(segment: string, options: { crc?: 'hj212' | 'arc' | 'modbus-swapped' | 'lower' | 'java-chars'; length?: 'bytes' | 'chars'; tail?: string } = {}): Buffer {
  const bytes = Buffer.from(segment, 'utf8');
  const swapped = (value: number) => ((value & 0xff) << 8) | (value >> 8);
  // xiaoyao9184/hj-t212-parser T212Generator: the Appendix A loop over Java chars (reference §7).
  const javaChars = () => {
    let reg = 0xffff;
    for (let i = 0; i < segment.length; i += 1) {
      reg = (reg >> 8) ^ segment.charCodeAt(i);
      for (let j = 0; j < 8; j += 1) reg = reg & 1 ? (reg >> 1) ^ 0xa001 : reg >> 1;
    }
    return crcText(reg);
  };
  const crc = { hj212: () => crcText(hj212Crc(bytes)), lower: () => crcText(hj212Crc(bytes)).toLowerCase(), arc: () => crcText(arcCrc(bytes)).toLowerCase(), 'modbus-swapped': () => crcText(swapped(modbusCrc(bytes))), 'java-chars': javaChars }[options.crc ?? 'hj212']();
  const length = options.length === 'chars' ? segment.length : bytes.length;
  return Buffer.from(`##${String(length).padStart(4, '0')}${segment}${crc}${options.tail ?? '\r\n'}`, 'utf8');
}

/** The platform's answer to a packet of PW 123456, as text with CR LF. */
export const reply = (qn: string, mn: string, flag: number, cn = '9014') => encodeFrame(`QN=${qn};ST=91;CN=${cn};PW=123456;MN=${mn};Flag=${flag};CP=&&&&`).toString();
export const someRows = (rows: unknown[]) => rows.length > 0;
/**
 * Ready when the first row holds every expected value. A query running beside a write can see some
 * of a point's fields before the rest, so "a row is there" is not "the row is whole".
 */
export const firstRowHas = (expected: Record<string, unknown>) => (rows: Array<Record<string, unknown>>) =>
  rows.length > 0 && Object.entries(expected).every(([field, value]) => rows[0]![field] === value);
type Rows = Array<Record<string, unknown>>;

export interface AuditPlatform {
  readonly test: TestPlatform;
  /** A new station connection, closed with the platform. */
  station(): Promise<StationConnection>;
  /** A time request of the generic station: its 9013 (returned) proves nothing was answered before it on the connection. */
  probe(connection: StationConnection): string;
  /** Rows of an InfluxQL query, polled until `ready` says they are there. */
  rowsWhen(query: string, ready: (rows: Rows) => boolean): Promise<Rows>;
  close(): Promise<void>;
}

export async function startAuditPlatform(hj212: Partial<TestPlatform['config']['hj212']> = {}): Promise<AuditPlatform> {
  const dir = await mkdtemp(join(tmpdir(), 'wanxiang-hj212-audit-'));
  // The age limit is lifted so that data of past years lands; split sets wait 1.5 s.
  const test = await startTestPlatform({ registryFile: await writeAuditRegistry(dir), hj212: { port: 0, splitTimeoutMs: 1_500, ...hj212 }, ingest: { maxAgeMs: 20 * 365 * 24 * 3_600_000 } });
  const url = parseStationUrl(test.endpoints.hj212Url!);
  const open: StationConnection[] = [];
  let probes = 0;
  return {
    test,
    async station() {
      const connection = await connectStation(url);
      open.push(connection);
      return connection;
    },
    probe(connection) {
      const qn = `20240601120000${String((probes += 1) % 1000).padStart(3, '0')}`;
      connection.send(encodeFrame(`QN=${qn};ST=22;CN=1013;PW=123456;MN=${audit.generic.mn};Flag=5;CP=&&&&`));
      return reply(qn, audit.generic.mn, 4, '9013');
    },
    async rowsWhen(query, ready) {
      for (let attempt = 0; ; attempt += 1) {
        const series = await test.platform.influx.query(query);
        const rows = series.flatMap(({ columns, values }) => values.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]]))));
        if (ready(rows) || attempt > 200) return rows;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await Promise.all(open.map((connection) => connection.close()));
      await test.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One audit platform for a test file: started before its tests, closed after them. The file's
 * tests reach it through the returned accessors (the platform exists once beforeAll has run).
 */
export function useAuditPlatform(hj212: Partial<TestPlatform['config']['hj212']> = {}) {
  let harness: AuditPlatform | undefined;
  beforeAll(async () => {
    harness = await startAuditPlatform(hj212);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });
  return {
    test: () => harness!.test,
    station: () => harness!.station(),
    probe: (connection: StationConnection) => harness!.probe(connection),
    rowsWhen: (query: string, ready: (rows: Rows) => boolean) => harness!.rowsWhen(query, ready),
  };
}
