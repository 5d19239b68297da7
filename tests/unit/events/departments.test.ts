import { describe, expect, it } from 'vitest';
import { familyIds } from '../../../services/families/index.ts';
import { loadDepartments, parseDepartments, routeEvent } from '../../../services/events/departments.ts';
import { loadRegistryFile } from '../../../services/registry/device-registry.ts';

const seed = new URL('../../../seeds/departments.json', import.meta.url).pathname;
const registryPath = new URL('../../../seeds/devices.json', import.meta.url).pathname;

describe('the departments seed (issue 23, item 3)', () => {
  it('validates, with its version, the district bureaus and one office for each street of the registry', async () => {
    const file = await loadDepartments(seed);
    const registry = await loadRegistryFile(registryPath);
    expect(file.version).toBe(1);
    const ids = file.departments.map((department) => department.id);
    expect(ids).toEqual(expect.arrayContaining(['eco-env', 'water', 'power', 'traffic', 'urban-mgmt', 'district-command']));
    expect(file.departments.find((department) => department.id === 'eco-env')!.nameZh).toContain('生态环境局罗湖管理局');
    for (const street of registry.streets) {
      const office = file.departments.find((department) => department.street === street.id);
      expect(office, street.id).toBeDefined();
      expect(office!.nameZh).toBe(`${street.name}街道办事处`);
    }
    // Nobody escalates to themselves, and every chain ends at the top.
    for (const department of file.departments) {
      const seen = new Set<string>();
      for (let at: string | undefined = department.id; at; at = file.departments.find((entry) => entry.id === at)!.escalateTo) {
        expect(seen.has(at), `${department.id} escalates in a loop`).toBe(false);
        seen.add(at);
      }
    }
    // The seed holds no webhook: a robot's URL carries its key, and belongs in an installation's own copy.
    expect(file.departments.filter((department) => department.webhook)).toEqual([]);
  });

  it('routes every family, by family, street and severity', async () => {
    const file = await loadDepartments(seed);
    for (const family of familyIds) expect(routeEvent(file, { family, street: 'dongmen', severity: 'warning' }), family).not.toBeNull();
    expect(routeEvent(file, { family: 'air', street: null, severity: 'warning' })).toBe('eco-env');
    expect(routeEvent(file, { family: 'water', street: 'liantang', severity: 'warning' })).toBe('water');
    expect(routeEvent(file, { family: 'grid', street: 'cuizhu', severity: 'critical' })).toBe('power');
    expect(routeEvent(file, { family: 'parking', street: 'dongmen', severity: 'info' })).toBe('traffic');
    expect(routeEvent(file, { family: 'noise', street: 'huangbei', severity: 'warning' })).toBe('street-huangbei');
    expect(routeEvent(file, { family: 'noise', street: 'huangbei', severity: 'critical' })).toBe('eco-env');
    expect(file.joinScope.air).toBe('district');
    expect(file.dueTimes.critical.ackMs).toBeLessThan(file.dueTimes.warning.ackMs);
  });

  it('refuses a departments file with every problem named', () => {
    expect(() => parseDepartments({
      version: 2,
      departments: [{ id: 'a', nameZh: 'A', nameEn: 'A', escalateTo: 'nobody' }, { id: 'a', nameZh: 'B', nameEn: 'B', webhook: { url: 'not a url', style: 'json' } }],
      routes: [{ family: 'air', department: 'ghost' }, { family: 'air', department: 'a', streetOffice: true }],
      dueTimes: { info: { ackMs: 1, resolveMs: 1 } }, joinScope: {}, joinWindowMs: -1, reopenWindowMs: 1, closeHoldMs: 1, extra: true,
    })).toThrow(expect.objectContaining({ code: 'WX_ERR_SEED_INVALID', message: expect.stringMatching(/version.*departments\.1\.webhook\.url.*routes\.1.*dueTimes\.warning.*joinScope\.air.*joinWindowMs.*extra/s) }));
  });
});
