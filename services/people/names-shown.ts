import { personRoleSchema } from './users-file.ts';

/**
 * Who did what, as an anonymous reader may see it: the role, never the person's name. A person's
 * name (`officer:zhang.wei`, an alarm's `li.na`) goes only to a caller who presented a credential
 * (a token of any role, or a signed-in screen's session); open reads of the district show the role.
 * The data keep the names: this is how an answer is shown, applied in one place per way out
 * (the API's read routes, the review history export, the event stream).
 */

/** The keys that name who acted: a review mark's `by`, an alarm's `acknowledgedBy` and its notes' `by`. */
const personKeys: ReadonlySet<string> = new Set(['by', 'acknowledgedBy']);
const roles: ReadonlySet<string> = new Set([...personRoleSchema.options, 'system']);

/**
 * The role of a recorded actor: `officer:zhang.wei` → `officer`, `system` and a bare role stay as
 * they are. A bare name is an alarm's actor (services/api/alarm-routes.ts records the person's name),
 * and only the operator's routes act on alarms: it is shown as `operator`.
 */
export function roleOf(actor: string): string {
  if (roles.has(actor)) return actor;
  const prefix = actor.split(':', 1)[0]!;
  return actor.includes(':') && roles.has(prefix) ? prefix : 'operator';
}

/**
 * A value with every actor (at any depth) replaced by its role. What names no one is returned as it
 * is (the same objects: the district's readings are not copied); the value given is never changed.
 */
export function withoutNames<T>(value: T): T {
  return redact(value) as T;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const shown = redact(item);
      changed ||= shown !== item;
      return shown;
    });
    return changed ? items : value;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const [key, inner] of Object.entries(value)) {
    const shown = personKeys.has(key) && typeof inner === 'string' ? roleOf(inner) : redact(inner);
    if (shown !== inner) (out ??= { ...value })[key] = shown;
  }
  return out ?? value;
}
