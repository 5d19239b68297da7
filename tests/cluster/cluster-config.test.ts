import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { configFromEnv } from '../../services/config-env.ts';
import { parseConfig } from '../../services/config.ts';
import { ingestCommand, ingestOverrides } from '../../services/cli/ingest.ts';
import { defaultSharedGroup } from '../../services/cluster/shared-group.ts';
import { createLogger } from '../../services/log.ts';
import { createPlatform } from '../../services/platform.ts';
import { freePort } from '../../services/storage/influxd-launcher.ts';

describe('scale-out configuration', () => {
  it('reads the broker, Redis and several InfluxDB endpoints from the environment', () => {
    const config = configFromEnv({
      WX_BROKER_URL: 'mqtt://broker.example:1883', WX_BROKER_USERNAME: 'ingest-a', WX_NODE_ID: 'node-1',
      WX_REDIS_URL: 'redis://10.0.0.5:6379', INFLUX_URLS: 'http://influx-a:8086, http://influx-b:8086',
    });
    expect(config.cluster).toMatchObject({ brokerUrl: 'mqtt://broker.example:1883', brokerUsername: 'ingest-a', nodeId: 'node-1', redisUrl: 'redis://10.0.0.5:6379', sessions: 4 });
    expect(config.influx.urls).toEqual(['http://influx-a:8086', 'http://influx-b:8086']);
  });

  it('refuses a bad Redis URL, node id or endpoint list with WX_ERR_CONFIG, naming each', () => {
    try {
      parseConfig({ cluster: { redisUrl: 'http://x', nodeId: 'a b' }, influx: { urls: [] } });
      expect.unreachable('the configuration was accepted');
    } catch (error) {
      expect((error as { code: string }).code).toBe('WX_ERR_CONFIG');
      expect((error as Error).message).toMatch(/cluster\.redisUrl/);
      expect((error as Error).message).toMatch(/cluster\.nodeId/);
      expect((error as Error).message).toMatch(/influx\.urls/);
    }
  });

  it('turns `wanxiang ingest` flags into the configuration; a bad number is a coded argument error', () => {
    const config = parseConfig(ingestOverrides(['--broker', 'mqtt://b:1883', '--node-id', 'w1', '--sessions', '2', '--influx-url', 'http://a:8086', '--influx-url', 'http://b:8086', '--http-port', '0']));
    expect(config.cluster).toMatchObject({ brokerUrl: 'mqtt://b:1883', nodeId: 'w1', sessions: 2 });
    expect(config.influx.urls).toEqual(['http://a:8086', 'http://b:8086']);
    expect(config.simulate.enabled).toBe(false);
    // A usage error: the command line answers it with one line, the usage and exit 2 (issue 13).
    expect(() => ingestOverrides(['--sessions', 'many'])).toThrow(expect.objectContaining({ name: 'UsageError', message: expect.stringContaining('--sessions') }));
    expect(() => ingestOverrides(['--bogus'])).toThrow(expect.objectContaining({ name: 'UsageError' }));
  });

  it('refuses the broker secret in argv (`ps` shows it to every user of the host): --password-file or WX_BROKER_PASSWORD', async () => {
    for (const argv of [['--broker', 'mqtt://b:1883', '--password', 'argv-secret-0123456789'], ['--broker', 'mqtt://ingest:argv-secret-0123456789@b:1883']]) {
      await expect(ingestCommand(argv)).rejects.toMatchObject({ name: 'UsageError', message: expect.stringMatching(/puts the secret in the process list .*--password-file/) });
    }
  });

  it('derives the shared-subscription group from the ingest secret unless one is given: no published name an observer could join (red team 9)', () => {
    expect(parseConfig({}).cluster.sharedGroup).toBeUndefined();
    const group = defaultSharedGroup('ingest-secret-0123456789');
    expect(group).toMatch(/^wx-[0-9a-f]{24}$/);
    expect(defaultSharedGroup('ingest-secret-0123456789')).toBe(group);
    expect(defaultSharedGroup('another-secret-0123456789')).not.toBe(group);
  });

  it('refuses `wanxiang ingest` without a broker, before anything starts', async () => {
    const saved = process.env.WX_BROKER_URL;
    delete process.env.WX_BROKER_URL;
    try {
      await expect(ingestCommand(['--node-id', 'w1'])).rejects.toMatchObject({ name: 'UsageError', message: expect.stringMatching(/^--broker \(or WX_BROKER_URL\) is required/) });
    } finally {
      if (saved !== undefined) process.env.WX_BROKER_URL = saved;
    }
  });
});

describe('a cluster node without its Redis', () => {
  it('fails the start with WX_ERR_REDIS_UNAVAILABLE', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-noredis-'));
    const config = parseConfig({
      dataDir, logLevel: 'silent', influx: { url: inject('influxUrl'), database: 'noredis' }, simulate: { enabled: false },
      mqtt: { host: '127.0.0.1', port: 0, wsPort: -1 }, http: { host: '127.0.0.1', port: 0 },
      cluster: { redisUrl: `redis://127.0.0.1:${await freePort()}`, nodeId: 'lonely' },
    });
    const platform = createPlatform(config, createLogger('silent'));
    await expect(platform.start()).rejects.toMatchObject({ code: 'WX_ERR_REDIS_UNAVAILABLE' });
    await platform.close();
    await platform.influx.query('DROP DATABASE "noredis"', { database: null });
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe('an ingest node named after a device', () => {
  // Its sessions' client ids used to be `<node id>-<index>`, which the device air-dongmen could log in
  // with (`<its id>-<suffix>`), so such a node refused to start. They are `_wx-ingest.<node id>.<index>`
  // now, out of every device's reach: the node goes on to its broker (here none answers).
  it('starts: it is refused only by the broker that does not answer, for its own session client id', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wanxiang-nodeid-'));
    const config = parseConfig({
      dataDir, logLevel: 'silent', influx: { url: inject('influxUrl'), database: 'nodeid' }, simulate: { enabled: false },
      mqtt: { host: '127.0.0.1', port: 0, wsPort: -1 }, http: { host: '127.0.0.1', port: 0 },
      cluster: { brokerUrl: `mqtt://127.0.0.1:${await freePort()}`, nodeId: 'air-dongmen' },
    });
    const platform = createPlatform(config, createLogger('silent'));
    await expect(platform.start()).rejects.toMatchObject({ code: 'WX_ERR_BROKER_UNAVAILABLE', message: expect.stringContaining('session _wx-ingest.air-dongmen.0') });
    await platform.close();
    await platform.influx.query('DROP DATABASE "nodeid"', { database: null });
    await rm(dataDir, { recursive: true, force: true });
  });
});
