import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WanxiangError } from '../errors.ts';
import { rotateSecret, setDisabled } from '../registry/device-admin.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { RegistryFile } from '../registry/registry-schema.ts';
import { createTurns } from '../one-at-a-time.ts';
import { formatZodIssues } from '../zod-issues.ts';
import type { RecordAdminAction } from './admin-audit.ts';

export interface AdminRouteDeps {
  readonly registry: DeviceRegistry;
  /** Makes a change to the registry file as it is now, saves it and applies it at once (disconnecting disabled devices). */
  readonly applyRegistry: (change: (current: RegistryFile) => RegistryFile | Promise<RegistryFile>) => Promise<void>;
  /** Starts replaying a recording of seeds/recordings in the background. */
  readonly startReplay: (request: { recording: string; speed: number; timestamps: 'now' | 'original' }) => Promise<void>;
}

const replayBody = z.strictObject({
  recording: z.string().regex(/^[a-z0-9-]{1,64}$/, 'a recording name from seeds/recordings, without extension'),
  speed: z.number().positive().max(10_000).default(60),
  timestamps: z.enum(['now', 'original']).default('now'),
});

const deviceParams = z.strictObject({ id: z.string().max(64) });
const errorBody = z.object({ code: z.string(), message: z.string() });
const denied = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };

/** Operator and admin actions: replay (operator), device administration (admin); each recorded with who made it (`audit`). */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps, audit: RecordAdminAction): void {
  // Each change is made to the registry as the one before left it: two at once read the same file
  // while the first was being saved, the second's save undid the first (a rotation answered with a
  // new secret left the old one working), and their temporary files collided (500s).
  const inTurn = createTurns();
  const deviceId = (params: unknown) => {
    const { id } = params as { id: string };
    if (!deps.registry.device(id)) throw new WanxiangError('WX_ERR_NOT_FOUND', `no device ${id}`);
    return id;
  };

  app.post('/api/v1/replay', {
    config: { access: 'operator' },
    schema: {
      summary: 'Replay a recording of seeds/recordings (operator)', security: [{ bearer: [] }], body: replayBody, // needed: it names the recording (the document called it optional, red team 11)
      response: { 202: z.object({ started: z.literal(true), recording: z.string(), speed: z.number(), timestamps: z.enum(['now', 'original']) }), ...denied },
    },
  }, async (request, reply) => {
    const parsed = replayBody.safeParse(request.body);
    if (!parsed.success) throw new WanxiangError('WX_ERR_INVALID_ARGUMENT', formatZodIssues(parsed.error.issues));
    await deps.startReplay(parsed.data);
    audit(request, 'replay', parsed.data);
    return reply.code(202).send({ started: true, ...parsed.data });
  });

  for (const action of ['disable', 'enable'] as const) {
    app.post(`/api/v1/devices/:id/${action}`, {
      config: { access: 'admin' },
      schema: { summary: `${action === 'disable' ? 'Disable' : 'Enable'} a device at once (admin)`, security: [{ bearer: [] }], params: deviceParams, response: { 200: z.object({ id: z.string(), disabled: z.boolean() }), ...denied } },
    }, async (request) => {
      const id = deviceId(request.params);
      await inTurn(() => deps.applyRegistry((current) => setDisabled(current, id, action === 'disable')));
      audit(request, action === 'disable' ? 'device-disable' : 'device-enable', { device: id });
      return { id, disabled: action === 'disable' };
    });
  }

  app.post('/api/v1/devices/:id/rotate', {
    config: { access: 'admin' },
    schema: {
      summary: 'Rotate a device’s secret, and an HJ 212 station’s PW; the new ones are answered once (admin)',
      description: 'The old secret (and PW) stops working at once and the device’s connections are closed. For an HJ 212 station, `hj212Pw` is its new PW (24 hex digits) to set on its data logger.',
      security: [{ bearer: [] }], params: deviceParams,
      response: { 200: z.object({ id: z.string(), secret: z.string(), hj212Pw: z.string().optional() }), ...denied },
    },
  }, async (request) => {
    const id = deviceId(request.params);
    const fresh = await inTurn(async () => {
      let rotated: { secret: string; stationPw?: string } = { secret: '' };
      await deps.applyRegistry(async (current) => {
        const result = await rotateSecret(current, id);
        rotated = result;
        return result.file;
      });
      return rotated;
    });
    audit(request, 'device-rotate', { device: id });
    return { id, secret: fresh.secret, ...(fresh.stationPw === undefined ? {} : { hj212Pw: fresh.stationPw }) };
  });
}
