import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Person } from '../people/people.ts';

/** The administrative actions recorded with who made them (docs/security.md, "What is logged"). */
export type AdminAction = 'device-disable' | 'device-enable' | 'device-rotate' | 'replay' | 'backfill-window-open' | 'backfill-window-close';

/** Records that the request's person made the action, with what it was about (never a secret). */
export type RecordAdminAction = (request: FastifyRequest, action: AdminAction, about: Readonly<Record<string, string | number>>) => void;

/**
 * Who changed the platform's devices, replayed a recording or opened the door to old readings
 * (issue 23, item 1: every action records who did it). The platform keeps no audit store of its
 * own: each action is one info line in its log, `audit` naming the action, with the person's
 * name and role as the event routes resolve them (`person`, event-routes.ts personOf).
 */
export function createAdminAudit(deps: { readonly person: (request: FastifyRequest) => Person; readonly log?: Logger }): RecordAdminAction {
  return (request, action, about) => {
    const { name, role } = deps.person(request);
    deps.log?.info({ audit: action, person: name, role, ...about }, `${action} by ${name} (${role})`);
  };
}
