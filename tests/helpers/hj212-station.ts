import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ConfigInput } from '../../services/config.ts';
import { connectStation, parseStationUrl, type StationConnection } from '../../simulators/hj212-client.ts';
import { writeStationRegistry } from '../fixtures/hj212-registry.ts';
import { startTestPlatform, type TestPlatform } from './test-platform.ts';

/** Beijing time as HJ 212 writes it, `agoMs` ago: 14 digits (DataTime) or 17 (QN, with ms). */
export const beijingDigits = (agoMs = 0, digits: 14 | 17 = 14): string =>
  new Date(Date.now() - agoMs + 8 * 3_600_000).toISOString().replace(/[-:T.Z]/g, '').slice(0, digits);

export interface StationPlatform {
  /** The platform, once the suite's beforeAll has started it. */
  readonly test: TestPlatform;
  /** A station's connection to the platform's HJ 212 port (from `localAddress`, a 127.x address, when given), closed after the suite. */
  connect(localAddress?: string): Promise<StationConnection>;
}

/**
 * A real platform with `stations` of the fixture's HJ 212 load stations (tests/fixtures/hj212-registry.ts:
 * noise, MN LOAD000000001…, PW 123456) for the suite it is called in: started in its beforeAll with
 * `overrides` (the HJ 212 port is a free one), closed with every connection it opened in its afterAll.
 */
export function useStationPlatform(name: string, stations: number, overrides: ConfigInput = {}): StationPlatform {
  let test: TestPlatform | undefined;
  let dir: string | undefined;
  const open: StationConnection[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `wanxiang-${name}-`));
    test = await startTestPlatform({ ...overrides, registryFile: await writeStationRegistry(dir, stations), hj212: { ...overrides.hj212, port: 0 } });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(open.map((connection) => connection.close()));
    await test?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get test() {
      if (!test) throw new Error('the station platform starts in beforeAll');
      return test;
    },
    async connect(localAddress) {
      const connection = await connectStation(parseStationUrl(this.test.endpoints.hj212Url!), localAddress ? { localAddress } : {});
      open.push(connection);
      return connection;
    },
  };
}
