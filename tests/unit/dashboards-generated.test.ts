import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildAll } from '../../dashboards/src/build-all.ts';
import { genericFamilyDashboard } from '../../dashboards/src/boards/family-generic.ts';
import { familyFields } from '../../dashboards/src/family-panels.ts';
import { discoverRollupSchema } from '../../dashboards/src/rollup-schema.ts';
import { targetsFileSchema } from '../../services/compliance/targets.ts';
import { familyIds } from '../../services/families/index.ts';
import { loadRegistryFile } from '../../services/registry/device-registry.ts';
import { influxDatasource, prometheusDatasource } from '../../dashboards/src/panel-kit.ts';
import { allPanels, jsonDir, readCommittedDashboards } from '../helpers/grafana-dashboards.ts';

describe('dashboards as code', () => {
  it('commits exactly what `npm run dashboards` generates, and generates the same bytes twice', async () => {
    const generated = await buildAll();
    const again = await buildAll();
    expect([...again]).toEqual([...generated]);
    const committed = await readCommittedDashboards();
    expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [name, text] of generated) {
      expect(await readFile(new URL(name, jsonDir), 'utf8'), `${name} differs from the code: run npm run dashboards`).toBe(text);
    }
  });

  it('has one dashboard per family plus overview, compliance, platform and event response times, with stable uids, Chinese titles, English descriptions and unique panel ids', async () => {
    const committed = await readCommittedDashboards();
    expect(committed.size).toBe(familyIds.length + 4);
    const uids = [...committed.values()].map((dashboard) => dashboard.uid);
    expect(new Set(uids).size).toBe(familyIds.length + 4);
    for (const dashboard of committed.values()) {
      expect(dashboard.uid).toMatch(/^wanxiang-[a-z-]+$/);
      expect(dashboard.title).toMatch(/[\u4e00-\u9fff]/);
      expect(dashboard.description).toMatch(/^Wanxiang: [A-Za-z]/);
      const ids = allPanels(dashboard.panels).map((panel) => panel.id);
      expect(new Set(ids).size, dashboard.uid).toBe(ids.length);
      expect(JSON.stringify(dashboard)).not.toMatch(/"(created|updated|iteration|timestamp)"/);
      // On Grafana's 24-column grid, no panel overflows or covers another (a collapsed row's panels among themselves).
      for (const group of [dashboard.panels, ...dashboard.panels.map((panel) => panel.panels ?? [])]) {
        const cells = new Map<string, number>();
        for (const { id, gridPos: { x, y, w, h } } of group) {
          expect(x + w, `${dashboard.uid} #${id}`).toBeLessThanOrEqual(24);
          for (let i = x; i < x + w; i += 1) for (let j = y; j < y + h; j += 1) {
            expect(cells.get(`${i},${j}`), `${dashboard.uid} #${id} covers another panel`).toBeUndefined();
            cells.set(`${i},${j}`, id);
          }
        }
      }
    }
  });

  it('offers the street, station, section, substation and department variables, and names only the provisioned data sources', async () => {
    const committed = await readCommittedDashboards();
    const variables = new Set([...committed.values()].flatMap((dashboard) => dashboard.templating.list.map((variable) => variable.name)));
    expect([...variables].sort()).toEqual(['department', 'section', 'station', 'street', 'substation']);
    const provisioned = await readFile(new URL('../../dashboards/provisioning/datasources/datasources.yml', import.meta.url), 'utf8');
    for (const { uid } of [influxDatasource, prometheusDatasource]) expect(provisioned).toContain(`uid: ${uid}`);
    for (const dashboard of committed.values()) {
      for (const panel of allPanels(dashboard.panels)) {
        if (panel.datasource) expect([influxDatasource.uid, prometheusDatasource.uid], `${dashboard.uid} #${panel.id}`).toContain(panel.datasource.uid);
      }
    }
  });

  it('has a panel for every field the families and their rollups write, so a new field needs no JSON edit', async () => {
    const queries = [...(await readCommittedDashboards()).values()].flatMap((dashboard) => allPanels(dashboard.panels).flatMap((panel) => (panel.targets ?? []).map((target) => target.query ?? '')));
    const schema = discoverRollupSchema((await loadRegistryFile(new URL('../../seeds/devices.json', import.meta.url).pathname)).devices);
    for (const family of familyIds) {
      for (const { field } of familyFields(family)) expect(queries.some((query) => query.includes(`"${field}"`)), `${family}.${field}`).toBe(true);
    }
    for (const [measurement] of schema.measurements) {
      for (const field of schema.numericFields(measurement)) {
        expect(queries.some((query) => query.includes(`"${field}"`) && query.includes(`"${measurement}"`)), `${measurement}.${field}`).toBe(true);
      }
    }
  });

  it('keeps, in every query of a rollup measurement, only the rows whose fields_present lists each rollup field it reads', async () => {
    // A review mark never deletes: a day it emptied keeps its old figures, listed by none (services/rollups/fields-present.ts).
    const schema = discoverRollupSchema((await loadRegistryFile(new URL('../../seeds/devices.json', import.meta.url).pathname)).devices);
    const unguarded: string[] = [];
    let rollupQueries = 0;
    for (const dashboard of (await readCommittedDashboards()).values()) {
      for (const panel of allPanels(dashboard.panels)) {
        for (const { query } of panel.targets ?? []) {
          if (!query) continue;
          const read = query.replace(/ AS "[^"]+"/g, ''); // an alias is no field read
          for (const [, measurement] of read.matchAll(/FROM "([^"]+)"/g)) {
            const entry = schema.measurements.get(measurement!);
            if (!entry) continue;
            rollupQueries += 1;
            for (const field of entry.fields.keys()) {
              if (read.includes(`"${field}"`) && !query.includes(`"fields_present" =~ /(^|,)${field}(,|$)/`)) unguarded.push(`${dashboard.uid} #${panel.id} ${panel.title}: ${measurement}.${field}`);
            }
          }
        }
      }
    }
    expect(unguarded).toEqual([]);
    expect(rollupQueries).toBeGreaterThan(50);
  });

  it('gives a family without a dashboard of its own a generic one with all its fields', async () => {
    const registry = await loadRegistryFile(new URL('../../seeds/devices.json', import.meta.url).pathname);
    const targets = targetsFileSchema.parse(JSON.parse(await readFile(new URL('../../seeds/targets.json', import.meta.url), 'utf8')));
    const context = { schema: discoverRollupSchema(registry.devices), targets, devices: registry.devices };
    for (const family of familyIds) {
      const dashboard = genericFamilyDashboard(family).build(context);
      const text = JSON.stringify(dashboard);
      for (const { field } of familyFields(family)) expect(text, `${family}.${field}`).toContain(`\\"${field}\\"`);
    }
  });
});
