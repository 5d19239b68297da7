import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { WanxiangError } from '../errors.ts';
import { familyIds, type FamilyId } from '../families/index.ts';
import { formatZodIssues } from '../zod-issues.ts';
import type { AlarmSeverity } from '../alarms/alarm-types.ts';

const departmentId = z.string().regex(/^[a-z0-9-]{1,64}$/);
const severity = z.enum(['info', 'warning', 'critical']);
const duration = z.number().int().positive().max(30 * 86_400_000);

const departmentSchema = z.strictObject({
  id: departmentId,
  nameZh: z.string().min(1).max(100),
  nameEn: z.string().min(1).max(160),
  /** The street a street office (街道办) serves; routes with `streetOffice` pick it by the event's street. */
  street: z.string().min(1).max(64).optional(),
  /** Where its webhook is: a WeCom/DingTalk robot (`robot`) or a program (`json`); an installation's copy of this file holds them. */
  webhook: z.strictObject({ url: z.url(), style: z.enum(['json', 'robot']) }).optional(),
  /** The next level, told when this department is late (issue 23, item 4); none at the top. */
  escalateTo: departmentId.optional(),
});

const routeSchema = z.strictObject({
  family: z.enum(['any', ...familyIds]).default('any'),
  streets: z.array(z.string().min(1)).min(1).optional(),
  severities: z.array(severity).min(1).optional(),
  /** A department by id, or the street office of the event's street. */
  department: departmentId.optional(),
  streetOffice: z.literal(true).optional(),
}).refine((route) => (route.department === undefined) !== (route.streetOffice === undefined), 'a route names a department or streetOffice: true, not both');

/** seeds/departments.json: who handles what, by when, and who hears when they are late (issue 23, item 3). */
export const departmentsFileSchema = z.strictObject({
  version: z.literal(1),
  departments: z.array(departmentSchema).min(1),
  /** First match wins. */
  routes: z.array(routeSchema).min(1),
  /** From dispatch: until someone starts on it (acknowledged), and until it is resolved. */
  dueTimes: z.strictObject(Object.fromEntries(severity.options.map((level) => [level, z.strictObject({ ackMs: duration, resolveMs: duration })])) as Record<AlarmSeverity, z.ZodObject<{ ackMs: typeof duration; resolveMs: typeof duration }>>),
  /** Related alarms join one event: same family, and same street (`street`) or anywhere in the district (`district`). */
  joinScope: z.strictObject(Object.fromEntries(familyIds.map((family) => [family, z.enum(['street', 'district'])])) as Record<FamilyId, z.ZodEnum<{ street: 'street'; district: 'district' }>>),
  /** An alarm within this long of the event's latest alarm joins it. */
  joinWindowMs: duration,
  /** An alarm within this long of the event's resolution reopens it instead of opening a new one. */
  reopenWindowMs: duration,
  /** A resolved event closes by itself once every alarm of it has stayed closed this long. */
  closeHoldMs: duration,
}).superRefine((file, context) => {
  const ids = new Set(file.departments.map((department) => department.id));
  if (ids.size !== file.departments.length) context.addIssue({ code: 'custom', path: ['departments'], message: 'department ids are unique' });
  file.departments.forEach((department, i) => {
    if (department.escalateTo && !ids.has(department.escalateTo)) context.addIssue({ code: 'custom', path: ['departments', i, 'escalateTo'], message: `no department ${department.escalateTo}` });
  });
  file.routes.forEach((route, i) => {
    if (route.department && !ids.has(route.department)) context.addIssue({ code: 'custom', path: ['routes', i, 'department'], message: `no department ${route.department}` });
  });
});

export type DepartmentsFile = z.infer<typeof departmentsFileSchema>;
export type Department = DepartmentsFile['departments'][number];

export function parseDepartments(document: unknown, source = 'departments'): DepartmentsFile {
  const parsed = departmentsFileSchema.safeParse(document);
  if (!parsed.success) throw new WanxiangError('WX_ERR_SEED_INVALID', `${source}: ${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

export async function loadDepartments(path: string): Promise<DepartmentsFile> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new WanxiangError('WX_ERR_SEED_INVALID', `${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseDepartments(document, path);
}

/** The department an event goes to: the first route matching its family, street and severity; null when none does. */
export function routeEvent(file: DepartmentsFile, event: { family: FamilyId; street: string | null; severity: AlarmSeverity }): string | null {
  for (const route of file.routes) {
    if (route.family !== 'any' && route.family !== event.family) continue;
    if (route.streets && (event.street === null || !route.streets.includes(event.street))) continue;
    if (route.severities && !route.severities.includes(event.severity)) continue;
    if (route.department) return route.department;
    const office = file.departments.find((department) => department.street !== undefined && department.street === event.street);
    if (office) return office.id;
  }
  return null;
}
