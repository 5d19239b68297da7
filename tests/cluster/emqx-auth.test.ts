import Fastify from 'fastify';
import { createAuth } from '../../services/api/auth.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientIdFitsLogin } from '../../services/broker/client-id.ts';
import { brokerSecretHeader, registerEmqxAuthRoutes } from '../../services/cluster/emqx-auth.ts';
import { legacySessionClientId, sessionClientId } from '../../services/cluster/session-client-id.ts';
import type { DeviceRegistry } from '../../services/registry/device-registry.ts';
import { defaultFleetKey } from '../../services/config.ts';
import { isWanxiangError } from '../../services/errors.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile } from '../../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { createTopics, deviceIdPattern } from '../../services/topics.ts';

const topics = createTopics('luohu');
const app = Fastify();
const brokerSecret = 'broker-secret-0123456789abcdef0123456789';
const metrics = createMetrics();
let logins = 0;

describe('the EMQX HTTP authentication and authorization endpoints', () => {
  beforeAll(async () => {
    const file = await loadRegistryFile('seeds/devices.json');
    const real = createDeviceRegistry({ ...file, devices: file.devices.map((device, index) => (index === 1 ? { ...device, disabled: true } : device)) });
    // Our own registry, counting the password checks (each a scrypt run) it is asked for.
    const registry: DeviceRegistry = Object.assign(Object.create(real) as DeviceRegistry, { login: (id: string, secret: string) => { logins += 1; return real.login(id, secret); } });
    app.setErrorHandler((error, _request, reply) => reply.code(isWanxiangError(error) ? error.status : 500).send({ code: isWanxiangError(error) ? error.code : 'WX_ERR_INTERNAL', message: (error as Error).message }));
    // The API's own refusal of a wrong credential, with no hold (tests/redteam/broker-secret-holds.test.ts times the hold).
    const { refuse } = createAuth({ readAccess: 'token', tokens: [], wrongTokenDelayMs: 0 }, undefined, metrics);
    registerEmqxAuthRoutes(app, { registry, topics, metrics, ingestUser: 'wanxiang-ingest', ingestSecret: 'ingest-secret-0123456789', brokerSecret, loginFailuresPerDevice: 3, refuse });
    await app.ready();
  });
  afterAll(() => app.close());

  const authn = (body: unknown, headers: Record<string, string> = { [brokerSecretHeader]: brokerSecret }) => app.inject({ method: 'POST', url: '/api/v1/auth/mqtt', payload: body as object, headers });
  const authz = (body: unknown, headers: Record<string, string> = { [brokerSecretHeader]: brokerSecret }) => app.inject({ method: 'POST', url: '/api/v1/auth/mqtt/acl', payload: body as object, headers });
  const failures = async (code: string) => (await metrics.authFailures.get()).values.filter((value) => value.labels.code === code).reduce((sum, value) => sum + value.value, 0);

  it('answers allow for a registered device, an observer and the ingest login; deny for anything else', async () => {
    const secret = (id: string) => simulatedDeviceSecret(defaultFleetKey, id);
    const cases: Array<[string, string, string]> = [
      ['air-guiyuan', secret('air-guiyuan'), 'allow'],
      ['observer', secret('observer'), 'allow'],
      ['wanxiang-ingest', 'ingest-secret-0123456789', 'allow'],
      ['air-guiyuan', secret('air-dongmen'), 'deny'],
      ['wanxiang-ingest', 'guess', 'deny'],
      ['nobody', 'x', 'deny'],
      ['air-huangbei', secret('air-huangbei'), 'deny'], // disabled
    ];
    for (const [username, password, result] of cases) {
      const answer = await authn({ username, password, clientid: username });
      expect(answer.statusCode, username).toBe(200);
      expect(answer.json(), username).toEqual({ result, is_superuser: false });
    }
  });

  it('binds a device\'s and an observer\'s client id to its login: no one takes another\'s or a worker\'s session (red team 9)', async () => {
    const secret = (id: string) => simulatedDeviceSecret(defaultFleetKey, id);
    const before = await failures('WX_ERR_CLIENT_ID_REFUSED');
    const cases: Array<[string, string | undefined, string]> = [
      ['air-guiyuan', 'air-guiyuan-replay-1', 'allow'],
      ['air-guiyuan', 'air-dongmen', 'deny'],
      ['observer', 'w1-0', 'deny'],
      ['air-guiyuan', undefined, 'deny'],
      // A worker's session client id, even one whose node is named after the device or the observer.
      ['air-guiyuan', '_wx-ingest.air-guiyuan.0', 'deny'],
      ['observer', '_wx-ingest.observer.1', 'deny'],
    ];
    for (const [username, clientid, result] of cases) {
      const answer = await authn({ username, password: secret(username), ...(clientid === undefined ? {} : { clientid }) });
      expect(answer.json(), `${username} as ${clientid}`).toEqual({ result, is_superuser: false });
    }
    expect(await failures('WX_ERR_CLIENT_ID_REFUSED')).toBe(before + 5);
  });

  it('gives the ingest workers session client ids no device or observer login fits, whatever the node or the registry', async () => {
    const file = await loadRegistryFile('seeds/devices.json');
    const logins = [...file.devices, ...file.observers].map((entry) => entry.id);
    for (const nodeId of ['w1', 'ingest-a', 'air-guiyuan', 'observer', '_w', 'host.example.com', 'x'.repeat(64)]) {
      for (let index = 0; index < 64; index += 1) {
        const clientId = sessionClientId(nodeId, index);
        // A login fits a client id only as the id itself or a prefix before a hyphen: none of the
        // client id's prefixes is a valid id, so no device or observer, registered now or later, fits.
        for (let end = 1; end <= clientId.length; end += 1) expect(deviceIdPattern.test(clientId.slice(0, end)), clientId.slice(0, end)).toBe(false);
        expect(logins.filter((login) => clientIdFitsLogin(clientId, login))).toEqual([]);
        expect(clientId.length).toBeLessThanOrEqual(256);
      }
    }
    // The old ids did fit: node `air-guiyuan`'s first session was the device's own `<id>-<suffix>`.
    expect(clientIdFitsLogin(legacySessionClientId('air-guiyuan', 0), 'air-guiyuan')).toBe(true);
  });

  it('lets a device publish only its own telemetry and status and subscribe only to its commands', async () => {
    const cases: Array<[string, string, string, string]> = [
      ['air-guiyuan', 'publish', 'luohu/v1/air/air-guiyuan/telemetry', 'allow'],
      ['air-guiyuan', 'publish', 'luohu/v1/air/air-guiyuan/status', 'allow'],
      ['air-guiyuan', 'publish', 'luohu/v1/air/air-dongmen/telemetry', 'deny'],
      ['air-guiyuan', 'publish', 'luohu/v1/water/air-guiyuan/telemetry', 'deny'],
      ['air-guiyuan', 'subscribe', 'luohu/v1/air/air-guiyuan/cmd', 'allow'],
      ['air-guiyuan', 'subscribe', 'luohu/v1/+/+/telemetry', 'deny'],
      ['wanxiang-ingest', 'subscribe', '$share/wanxiang/luohu/v1/+/+/telemetry', 'allow'],
      ['wanxiang-ingest', 'subscribe', 'luohu/v1/+/+/status', 'allow'],
      ['wanxiang-ingest', 'subscribe', '#', 'deny'],
      ['wanxiang-ingest', 'publish', 'luohu/v1/air/air-guiyuan/telemetry', 'deny'],
      ['observer', 'subscribe', 'luohu/v1/noise/+/telemetry', 'allow'],
      // Red team 9: an observer in the workers' shared group was dealt readings nobody stored.
      ['observer', 'subscribe', '$share/wanxiang/luohu/v1/+/+/telemetry', 'deny'],
      ['observer', 'subscribe', '$queue/luohu/v1/+/+/telemetry', 'deny'],
      ['observer', 'subscribe', 'luohu/v1/+/+/cmd', 'deny'],
      ['nobody', 'subscribe', 'luohu/v1/+/+/telemetry', 'deny'],
    ];
    for (const [username, action, topic, result] of cases) {
      const answer = await authz({ username, action, topic, clientid: username, qos: '1', retain: 'false' });
      expect(answer.json(), `${username} ${action} ${topic}`).toEqual({ result });
    }
  });

  it('refuses a malformed body with a coded 400 (EMQX then treats it as ignore)', async () => {
    for (const [send, body] of [[authn, { username: 'a' }], [authn, { username: 'a', password: 'b', extra: 1 }], [authz, { username: 'a', topic: 't', action: 'read' }]] as const) {
      const answer = await send(body);
      expect(answer.statusCode).toBe(400);
      expect(answer.json().code).toBe('WX_ERR_INVALID_ARGUMENT');
    }
  });

  it('refuses a caller without the broker secret before any password check, and throttles its guesses (issue 18 item 2)', async () => {
    const before = logins;
    const secret = simulatedDeviceSecret(defaultFleetKey, 'air-guiyuan');
    for (const headers of [{}, { [brokerSecretHeader]: 'wrong' }, { [brokerSecretHeader]: `${brokerSecret}x` }, { authorization: `Bearer ${brokerSecret}` }] as Array<Record<string, string>>) {
      const answer = await authn({ username: 'air-guiyuan', clientid: 'air-guiyuan', password: secret }, headers);
      expect(answer.statusCode).toBe(401);
      expect(answer.json().code).toBe('WX_ERR_UNAUTHORIZED');
      expect((await authz({ username: 'air-guiyuan', action: 'publish', topic: 'luohu/v1/air/air-guiyuan/telemetry' }, headers)).statusCode).toBeGreaterThanOrEqual(401);
    }
    // A flood of guesses without the secret: answered 429 past the limit, and not one scrypt run.
    const answers = await Promise.all(Array.from({ length: 200 }, (_, n) => authn({ username: 'air-guiyuan', clientid: 'air-guiyuan', password: `guess-${n}` }, { [brokerSecretHeader]: `guess-${n}` })));
    expect(answers.every((answer) => answer.statusCode === 401 || answer.statusCode === 429)).toBe(true);
    expect(answers.at(-1)!.json().code).toBe('WX_ERR_LOGIN_THROTTLED');
    expect(logins).toBe(before);
    // The broker itself, with its secret, still gets its answers.
    expect((await authn({ username: 'air-guiyuan', clientid: 'air-guiyuan', password: secret })).json()).toEqual({ result: 'allow', is_superuser: false });
  });

  it('holds wrong logins per (device address, username) without running scrypt for them, other addresses unaffected', async () => {
    const secret = simulatedDeviceSecret(defaultFleetKey, 'air-dongmen');
    for (let n = 0; n < 3; n += 1) expect((await authn({ username: 'air-dongmen', clientid: 'air-dongmen', password: `guess-${n}`, peerhost: '10.0.0.9' })).json().result).toBe('deny');
    const before = logins;
    const throttledBefore = await failures('WX_ERR_LOGIN_THROTTLED');
    for (let n = 0; n < 20; n += 1) expect((await authn({ username: 'air-dongmen', clientid: 'air-dongmen', password: `guess-${n}`, peerhost: '10.0.0.9' })).json().result).toBe('deny');
    expect(logins).toBe(before);
    expect(await failures('WX_ERR_LOGIN_THROTTLED')).toBe(throttledBefore + 20);
    expect((await authn({ username: 'air-dongmen', clientid: 'air-dongmen', password: secret, peerhost: '10.0.0.7' })).json().result).toBe('allow');
  });

  it('holds an IPv6 /64 as one device address: guesses spread over it are held together (red team, HTTP follow-up)', async () => {
    const secret = simulatedDeviceSecret(defaultFleetKey, 'air-nanhu');
    const body = (password: string, peerhost: string) => ({ username: 'air-nanhu', clientid: 'air-nanhu', password, peerhost });
    for (let n = 0; n < 3; n += 1) expect((await authn(body(`guess-${n}`, `2001:db8:9:9::${n + 1}`))).json().result).toBe('deny');
    const before = logins;
    const throttledBefore = await failures('WX_ERR_LOGIN_THROTTLED');
    // Another address of the /64, in another spelling, its right secret too: held without a check.
    expect((await authn(body(secret, '2001:DB8:9:9:ffff:0:0:1%eth0'))).json().result).toBe('deny');
    expect(logins).toBe(before);
    expect(await failures('WX_ERR_LOGIN_THROTTLED')).toBe(throttledBefore + 1);
    expect((await authn(body(secret, '2001:db8:9:a::1'))).json().result).toBe('allow');
  });
});
