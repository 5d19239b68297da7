import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEmqxAuthRoutes } from '../../services/cluster/emqx-auth.ts';
import { defaultFleetKey } from '../../services/config.ts';
import { isWanxiangError } from '../../services/errors.ts';
import { createMetrics } from '../../services/metrics/metrics.ts';
import { createDeviceRegistry, loadRegistryFile } from '../../services/registry/device-registry.ts';
import { simulatedDeviceSecret } from '../../services/registry/secrets.ts';
import { createTopics } from '../../services/topics.ts';

const topics = createTopics('luohu');
const app = Fastify();

describe('the EMQX HTTP authentication and authorization endpoints', () => {
  beforeAll(async () => {
    const file = await loadRegistryFile('seeds/devices.json');
    const registry = createDeviceRegistry({ ...file, devices: file.devices.map((device, index) => (index === 1 ? { ...device, disabled: true } : device)) });
    app.setErrorHandler((error, _request, reply) => reply.code(isWanxiangError(error) ? error.status : 500).send({ code: isWanxiangError(error) ? error.code : 'WX_ERR_INTERNAL', message: (error as Error).message }));
    registerEmqxAuthRoutes(app, { registry, topics, metrics: createMetrics(), ingestUser: 'wanxiang-ingest', ingestSecret: 'ingest-secret-0123456789' });
    await app.ready();
  });
  afterAll(() => app.close());

  const authn = (body: unknown) => app.inject({ method: 'POST', url: '/api/v1/auth/mqtt', payload: body as object });
  const authz = (body: unknown) => app.inject({ method: 'POST', url: '/api/v1/auth/mqtt/acl', payload: body as object });

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
});
