import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmFields, alarmsMeasurement } from '../../dashboards/src/alarm-schema.ts';
import { familyFields } from '../../dashboards/src/family-panels.ts';
import { familyIds, getFamily } from '../../services/families/index.ts';
import { dayOf, dayWindow } from '../../services/rollups/rollup-types.ts';
import { encodePoint } from '../../services/storage/line-protocol.ts';
import { replayEvent } from '../../services/events/event-machine.ts';
import { eventPoint } from '../../services/events/event-store.ts';
import type { EventRecord } from '../../services/events/event-types.ts';
import { backfill } from '../../simulators/backfill.ts';
import { generateReading } from '../../simulators/generate-reading.ts';
import { allPanels, readCommittedDashboards, type DashboardJson } from '../helpers/grafana-dashboards.ts';
import { expandQuery, panelRange, type Selection, type TimeRange } from '../helpers/grafana-macros.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/test-platform.ts';

type Variables = Record<string, { selection: Selection; allValues: string[] }>;
interface Outcome {
  readonly rows: Map<string, number>;
  readonly failures: string[];
}

/**
 * Every InfluxQL query of every committed dashboard (panels and template variables), with
 * Grafana's macros and variables filled as Grafana fills them, against a real influxd
 * holding a simulated district (through the ingest path) and the rollups of those days.
 * An error fails; so does an empty answer, except for a family field that no simulator
 * generates (listed from the simulators themselves, not by hand).
 */
describe('every Grafana panel query answers with data from a simulated district', () => {
  let test: TestPlatform;
  let dashboards: Map<string, DashboardJson>;
  let range: TimeRange;
  let unsimulated: string[];

  beforeAll(async () => {
    const now = Date.now();
    // Yesterday and today (Beijing), and the last 15 July: a summer afternoon is when the
    // tightly sized transformers run heavy, so the grid's event panels have events to show.
    const summer = dayWindow(dayOf(lastSummerNoon(now)));
    test = await startTestPlatform({ ingest: { maxAgeMs: now - summer.startMs + 86_400_000 }, rollups: { enabled: false } });
    const days = [{ fromMs: summer.startMs, toMs: summer.endMs }, { fromMs: dayWindow(dayOf(now) - 1).startMs, toMs: now - 60_000 }];
    for (const { fromMs, toMs } of days) {
      await backfill({ url: test.endpoints.mqttUrl, fleetKey: test.config.fleetKey, topics: test.topics, devices: test.platform.registry.devices, fromMs, toMs, seed: 2025, batchReadings: 500 });
    }
    await test.platform.ingest.drain();
    for (const { fromMs, toMs } of days) await test.platform.rollups.recomputeRange(fromMs, toMs);
    await test.platform.influx.write(alarmPoints(now).join('\n'));
    await test.platform.influx.write(eventPoints(now).join('\n'));
    // From the start of the summer day's month (monthly rollups are stamped at the month's start) to now.
    range = { fromMs: beijingMonthStart(summer.startMs), toMs: now + 60_000 };
    unsimulated = fieldsNoSimulatorGenerates(test, summer.startMs);
    dashboards = await readCommittedDashboards();
  });
  afterAll(async () => {
    await test?.close();
  });

  /** Values a variable can take: its own query, run with the variables before it at All. */
  async function variableValues(dashboard: DashboardJson): Promise<Variables> {
    const variables: Variables = {};
    for (const variable of dashboard.templating.list) {
      const series = await test.platform.influx.query(expandQuery(variable.query, range, variables));
      const allValues = series.flatMap((s) => s.values.map((row) => String(row[1])));
      expect(allValues.length, `${dashboard.uid}: variable ${variable.name} (${variable.query})`).toBeGreaterThan(0);
      variables[variable.name] = { selection: '$__all', allValues };
    }
    return variables;
  }

  /** Runs every InfluxQL target of the dashboard: rows per target, and the errors. */
  async function runPanels(dashboard: DashboardJson, variables: Variables): Promise<Outcome> {
    const outcome: Outcome = { rows: new Map(), failures: [] };
    for (const panel of allPanels(dashboard.panels)) {
      for (const target of panel.targets ?? []) {
        if (target.expr !== undefined) continue; // PromQL: checked against /metrics in dashboard-metrics.test.ts
        const where = `${dashboard.uid} #${panel.id} ${panel.title} ${target.refId}`;
        if (target.rawQuery !== true || !target.query) {
          outcome.failures.push(`not a raw InfluxQL target: ${where}`);
          continue;
        }
        const query = expandQuery(target.query, panelRange(range, panel.timeFrom, range.toMs), variables);
        try {
          const series = await test.platform.influx.query(query);
          outcome.rows.set(where, series.reduce((sum, s) => sum + s.values.filter((row) => row.slice(1).some((value) => value !== null)).length, 0));
        } catch (error) {
          outcome.failures.push(`${(error as Error).message} (${where})`);
        }
      }
    }
    return outcome;
  }

  it('has a dashboard per family and four of the district; their variables answer, and every InfluxQL query returns rows with All selected', async () => {
    // One per family (a new family's is generated from its module), plus overview, compliance, platform health and events.
    expect([...dashboards.keys()]).toHaveLength(familyIds.length + 4);
    const failures: string[] = [];
    let ran = 0;
    for (const dashboard of dashboards.values()) {
      const outcome = await runPanels(dashboard, await variableValues(dashboard));
      ran += outcome.rows.size;
      failures.push(...outcome.failures);
      for (const [where, rows] of outcome.rows) {
        if (rows === 0 && !unsimulated.some((field) => where.includes(`(${field})`))) failures.push(`empty answer: ${where}`);
      }
    }
    expect(failures).toEqual([]);
    expect(ran).toBeGreaterThan(150);
    expect(unsimulated).toEqual([]); // every field some simulator produces (the reservoir gauges its level) has a panel with data
  });

  it('filters with two values picked in a variable (the /^(a|b)$/ form): no errors, never more rows than All', async () => {
    const failures: string[] = [];
    for (const dashboard of dashboards.values()) {
      const variables = await variableValues(dashboard);
      const all = await runPanels(dashboard, variables);
      for (const name of Object.keys(variables)) {
        const selection = variables[name]!.allValues.slice(0, 2);
        const picked = await runPanels(dashboard, { ...variables, [name]: { ...variables[name]!, selection } });
        failures.push(...picked.failures.map((failure) => `${name} = ${selection.join('|')}: ${failure}`));
        for (const [where, rows] of picked.rows) if (rows > all.rows.get(where)!) failures.push(`${name} = ${selection.join('|')}: more rows than All: ${where}`);
        expect([...picked.rows.values()].some((rows) => rows > 0), `${dashboard.uid}: ${name} = ${selection.join('|')}`).toBe(true);
      }
    }
    expect(failures).toEqual([]);
  });
});

/** Noon (Beijing) of the last 15 July before now. */
function lastSummerNoon(now: number): number {
  const year = new Date(now).getUTCFullYear();
  const thisYear = Date.parse(`${year}-07-15T12:00:00+08:00`);
  return thisYear < now - 86_400_000 ? thisYear : Date.parse(`${year - 1}-07-15T12:00:00+08:00`);
}

function beijingMonthStart(timeMs: number): number {
  const beijing = new Date(timeMs + 8 * 3_600_000);
  return Date.UTC(beijing.getUTCFullYear(), beijing.getUTCMonth(), 1) - 8 * 3_600_000;
}

/** Family fields no device's simulator produces over a day: their panels cannot have simulated data. */
function fieldsNoSimulatorGenerates(test: TestPlatform, dayStartMs: number): string[] {
  const produced = new Set<string>();
  for (const device of test.platform.registry.devices) {
    for (let time = dayStartMs; time < dayStartMs + 86_400_000; time += 3_600_000) {
      for (const key of Object.keys(generateReading(2025, device, time))) produced.add(getFamily(device.family).fields[key]!.field);
    }
  }
  const derived = familyIds.flatMap((family) => Object.keys(getFamily(family).derivedFields ?? {}));
  return familyIds.flatMap((family) => familyFields(family).map(({ field }) => field)).filter((field) => !produced.has(field) && !derived.includes(field));
}

/**
 * A few alarm changes as the alarm engine (branch issue-alarms) stores them: measurement
 * `alarms`, tags rule/device/family/severity, fields alarm_id, state, change, value, limit, open.
 */
function alarmPoints(now: number): string[] {
  const change = (minutesAgo: number, rule: string, device: string, family: string, severity: string, state: string, kind: string, value: number, limit: number) =>
    encodePoint({
      measurement: alarmsMeasurement,
      tags: { rule, device, family, severity },
      fields: [
        [alarmFields.id, `${rule}:${device}`, 'string'], [alarmFields.state, state, 'string'], [alarmFields.change, kind, 'string'],
        [alarmFields.value, value, 'float'], [alarmFields.limit, limit, 'float'], [alarmFields.open, state === 'closed' ? 0 : 1, 'int'],
      ],
      timeMs: now - minutesAgo * 60_000,
    });
  return [
    change(90, 'air.pm25-hourly', 'air-guiyuan', 'air', 'warning', 'open', 'opened', 80.5, 75),
    change(60, 'air.pm25-hourly', 'air-guiyuan', 'air', 'warning', 'acknowledged', 'acknowledged', 80.5, 75),
    change(50, 'grid.overload', 'grid-buxin', 'grid', 'critical', 'open', 'opened', 104, 100),
    change(20, 'grid.overload', 'grid-buxin', 'grid', 'critical', 'closed', 'closed', 92, 100),
    change(10, 'noise.night-leq', 'noise-buxin-road-1', 'noise', 'info', 'open', 'opened', 58.2, 55),
  ];
}

/**
 * Two events as the event store writes them (services/events/event-store.ts): an air episode the
 * bureau resolved after an escalation, and a noise complaint its street office is still on.
 */
function eventPoints(now: number): string[] {
  const at = (minutesAgo: number) => now - minutesAgo * 60_000;
  const alarm = (id: string, deviceId: string) => ({ id, ruleId: 'air-aqi-realtime', deviceId, severity: 'warning' as const, textZh: id, textEn: id, openedAtMs: at(300), closedAtMs: null });
  const air: EventRecord[] = [
    { kind: 'opened', atMs: at(300), by: 'system', family: 'air', street: null, alarm: alarm('a1', 'air-guiyuan') },
    { kind: 'dispatched', atMs: at(299), by: 'system', department: 'eco-env', ackDueAtMs: at(269), resolveDueAtMs: at(0), note: '' },
    { kind: 'escalated', atMs: at(268), by: 'system', reason: 'not-acknowledged', department: 'eco-env', to: 'district-command' },
    { kind: 'started', atMs: at(250), by: 'li.na', note: '' },
    { kind: 'resolved', atMs: at(120), by: 'li.na', note: 'sites watered', cause: 'real-exceedance' },
    { kind: 'closed', atMs: at(60), by: 'zhang.wei', note: 'verified' },
  ];
  const noise: EventRecord[] = [
    { kind: 'opened', atMs: at(90), by: 'system', family: 'noise', street: 'huangbei', alarm: { ...alarm('n1', 'noise-buxin-road-1'), ruleId: 'noise-night' } },
    { kind: 'dispatched', atMs: at(85), by: 'system', department: 'street-huangbei', ackDueAtMs: at(55), resolveDueAtMs: at(-1_000), note: '' },
    { kind: 'started', atMs: at(70), by: 'wang.fang', note: '' },
  ];
  return [['ev-air', air], ['ev-noise', noise]].flatMap(([id, records]) =>
    (records as EventRecord[]).map((record, i) => encodePoint(eventPoint(replayEvent(id as string, (records as EventRecord[]).slice(0, i + 1))!, record, record.atMs))));
}
