import type { ComplianceReport, TargetCompliance } from '../compliance/compliance.ts';
import { isPlanYear } from '../compliance/plan-period.ts';
import type { TargetsFile } from '../compliance/targets.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import { NOISE_DAY_START_HOUR, NOISE_NIGHT_START_HOUR, noiseLimit, type NoiseZoneClass } from '../standards/index.ts';
import type { DeviceState } from './device-state.ts';
import type { Freshness } from './freshness.ts';

export type TileId = 'pm25' | 'good-days' | 'sections' | 'heavy-load' | 'parking' | 'noise' | 'online';
export type TileStatus = 'met' | 'at risk' | 'breached' | 'insufficient data' | 'reported' | 'manual' | 'pending';

/**
 * The Leq limits a noise count holds its roads to (GB 3096-2008 Table 1): each zone class of its
 * monitors with its day and night limit, and when day and night begin (§3, Beijing time). The wall
 * names the period's limit by the platform's clock: the plan's night target (55) read "≤ 55" by
 * day, while the roads were counted over their day limits (70 on a 4a trunk road).
 */
export interface ZoneLimits {
  readonly unit: 'dB(A)';
  readonly dayStartHour: number;
  readonly nightStartHour: number;
  readonly zones: Readonly<Record<string, { readonly day: number; readonly night: number }>>;
}

/** One district tile: a figure against the plan, where it links to and where it came from. */
export interface Tile {
  readonly id: TileId;
  readonly value: number | null;
  /** The whole the value is a part of (sections, roads, devices), when it is a count. */
  readonly of: number | null;
  readonly unit: string;
  /** A second figure shown beside the value (parking: off-peak shareable spaces from the compliance rule). */
  readonly secondary: number | null;
  readonly target: number | string | null;
  /** The target's own unit (a water class, dB(A), µg/m³), which need not be the figure's (sections, roads). */
  readonly targetUnit: string | null;
  readonly comparator: '<=' | '>=' | null;
  /** Noise: the limits its count is judged by now, by zone and period (the target is the plan's, of the year); null for other tiles. */
  readonly zoneLimits: ZoneLimits | null;
  readonly status: TileStatus;
  /**
   * For a live count, when it meets the plan now: `all` of `of` (sections meeting their class,
   * devices reporting on time) or `none` (heavy transformers, roads over the limit). The wall
   * judges its own count by it, so a tile's figure and verdict never come from two moments.
   */
  readonly meets: 'all' | 'none' | null;
  /** The compliance figure the tile stands on (year to date), when there is one. */
  readonly compliance: { readonly targetIds: readonly string[]; readonly period: string; readonly value: number | string | null; readonly status: string } | null;
  /** Where an officer checks the figure: the compliance API (with its provenance) or the live API. */
  readonly link: string;
  readonly provenance: readonly string[];
}

export interface TileInputs {
  readonly devices: readonly DeviceRecord[];
  readonly states: ReadonlyMap<string, DeviceState>;
  readonly latest: ReadonlyMap<string, { readonly values: Readonly<Record<string, number>> }>;
  /** fresh / late / silent now, by the rule the wall's rows and silent list use (freshness.ts). */
  readonly freshness: (device: DeviceRecord) => Freshness;
  readonly report: ComplianceReport | null;
  readonly period: string;
  readonly targets: TargetsFile;
}

const byRule = (report: ComplianceReport | null, rule: string, targets: TargetsFile): TargetCompliance[] => {
  const ids = new Set(targets.targets.filter((target) => target.rule === rule).map((target) => target.id));
  return report?.targets.filter((target) => ids.has(target.id)) ?? [];
};

const provenanceOf = (figures: readonly TargetCompliance[]): string[] =>
  figures.flatMap((figure) => [
    `${figure.id}: ${figure.standards.join(', ') || 'plan target'} (${figure.planRef})`,
    ...figure.provenance.map((p) => `${p.measurement}: ${p.points} points ${p.from} → ${p.to}`),
  ]);

/**
 * Where a tile's figure can be read raw: the compliance API for a period of the plan; past the
 * plan's years (2026 on a 2021-2025 plan) the API refuses the period (400, plan-period.ts) while
 * the wall still computes the year to date, so the raw figure is the tile itself in /api/v1/live
 * (red team 11: every tile's 原始数据 link of 2026 answered WX_ERR_INVALID_ARGUMENT).
 */
const rawLink = (period: string, anchor: string): string =>
  (isPlanYear(Number(period.slice(0, 4))) ? `/api/v1/compliance?period=${period}#${anchor}` : '/api/v1/live');

function yearTile(id: TileId, rule: string, inputs: TileInputs): Tile {
  const [figure] = byRule(inputs.report, rule, inputs.targets);
  const target = inputs.targets.targets.find((entry) => entry.rule === rule);
  const value = typeof figure?.value === 'number' ? figure.value : null;
  return {
    id, value, of: null, unit: target?.unit ?? '', secondary: null, target: target?.value ?? null, targetUnit: target?.unit ?? null,
    comparator: target?.comparator === 'report' ? null : (target?.comparator ?? null), zoneLimits: null,
    status: figure ? figure.status : 'pending', meets: null,
    compliance: figure ? { targetIds: [figure.id], period: inputs.period, value: figure.value, status: figure.status } : null,
    link: rawLink(inputs.period, target?.id ?? rule),
    provenance: figure ? provenanceOf([figure]) : ['compliance not yet evaluated'],
  };
}

/**
 * A live count held against a plan target (sections, transformers, roads): the compliance figure
 * rides along. Counted over the `heard` devices; with none heard it says nothing of now: "0 / 45
 * heavy · met" with every transformer silent was a verdict without data (wall pass).
 */
function liveTile(id: TileId, rule: string, count: number, of: number, unit: string, meets: 'all' | 'none', heard: number, inputs: TileInputs, note: string): Tile {
  const figures = byRule(inputs.report, rule, inputs.targets);
  const target = inputs.targets.targets.find((entry) => entry.rule === rule);
  const worst = figures.find((f) => f.status === 'breached') ?? figures.find((f) => f.status === 'at risk') ?? figures[0];
  const good = meets === 'all' ? count === of : count === 0;
  return {
    id, value: count, of, unit, secondary: null, target: target?.value ?? null, targetUnit: target?.unit ?? null,
    comparator: target?.comparator === 'report' ? null : (target?.comparator ?? null), zoneLimits: null,
    status: heard === 0 ? 'insufficient data' : good ? 'met' : 'at risk', meets,
    compliance: worst ? { targetIds: figures.map((f) => f.id), period: inputs.period, value: worst.value, status: worst.status } : null,
    link: rawLink(inputs.period, target?.id ?? rule),
    provenance: [note, ...provenanceOf(figures)],
  };
}

const family = (inputs: TileInputs, id: string) => inputs.devices.filter((device) => device.family === id && !device.disabled);

/**
 * The seven district tiles of issue 8, from memory and the last compliance report. The live counts
 * leave out devices gone silent, and count online as reporting on time: the rules the wall's rows
 * and silent list use, so the API and the wall agree (audit of issue 21: 146 / 147 online while
 * the late station's row stayed green for 2 minutes).
 */
export function buildTiles(inputs: TileInputs): Tile[] {
  const heard = (device: DeviceRecord) => inputs.freshness(device) !== 'silent';
  const sections = family(inputs, 'water');
  // A silent section's last sample is not its class now (the wall greys its row): judged only when heard.
  const judged = sections.filter((d) => heard(d) && inputs.states.has(d.id) && inputs.states.get(d.id)!.label !== 'no-data');
  const meeting = judged.filter((d) => inputs.states.get(d.id)!.severity === 0).length;

  const transformers = family(inputs, 'grid').filter((d) => d.attributes.level === 'transformer');
  const transformersHeard = transformers.filter(heard);
  const heavy = transformersHeard.filter((d) => (inputs.states.get(d.id)?.severity ?? 0) >= 2).length;

  let free = 0;
  for (const lot of family(inputs, 'parking')) {
    const values = inputs.latest.get(lot.id)?.values;
    if (values && heard(lot)) free += Math.max(0, (values.totalSpaces ?? 0) - (values.occupiedSpaces ?? 0));
  }
  const shareable = byRule(inputs.report, 'parking.shareable-spaces', inputs.targets)[0];

  const roads = new Map<string, boolean>();
  let monitorsHeard = 0;
  const zones: Record<string, { day: number; night: number }> = {};
  for (const monitor of family(inputs, 'noise')) {
    const zone = monitor.attributes.zoneClass as NoiseZoneClass;
    zones[zone] = { day: noiseLimit(zone, 'day'), night: noiseLimit(zone, 'night') };
    const road = String(monitor.attributes.road);
    if (heard(monitor)) monitorsHeard += 1;
    const over = heard(monitor) && (inputs.states.get(monitor.id)?.label.endsWith('-over') ?? false);
    roads.set(road, (roads.get(road) ?? false) || over);
  }
  const roadsOver = [...roads.values()].filter(Boolean).length;
  const enabled = inputs.devices.filter((device) => !device.disabled);
  const onTime = enabled.filter((device) => inputs.freshness(device) === 'fresh').length;

  const parkingTile = liveTile('parking', 'parking.shareable-spaces', free, 0, 'spaces', 'all', 1, inputs, 'free spaces now: Σ(total − occupied) over the latest reading of each lot not silent');
  return [
    yearTile('pm25', 'air.pm25-annual-mean', inputs),
    yearTile('good-days', 'air.good-day-ratio', inputs),
    liveTile('sections', 'water.section-class', meeting, sections.length, 'sections', 'all', judged.length, inputs, `sections meeting their target class now: GB 3838-2002 on the latest sample of ${judged.length} of ${sections.length} not silent`),
    liveTile('heavy-load', 'grid.heavy-load-transformers', heavy, transformers.length, 'transformers', 'none', transformersHeard.length, inputs, 'transformers not silent whose latest load rate is in the heavy or overload band (apparent power over rated kVA)'),
    { ...parkingTile, of: null, secondary: typeof shareable?.value === 'number' ? shareable.value : null, status: 'met', meets: null },
    {
      ...liveTile('noise', 'noise.trunk-road-night-leq', roadsOver, roads.size, 'roads', 'none', monitorsHeard, inputs, 'roads with a monitor not silent whose latest Leq is over its GB 3096-2008 zone limit for the period now'),
      zoneLimits: { unit: 'dB(A)', dayStartHour: NOISE_DAY_START_HOUR, nightStartHour: NOISE_NIGHT_START_HOUR, zones },
    },
    {
      id: 'online', value: onTime, of: enabled.length, unit: 'devices', secondary: null, target: enabled.length, targetUnit: 'devices', comparator: '>=', zoneLimits: null,
      status: onTime === enabled.length ? 'met' : 'at risk', meets: 'all',
      // Its raw data is /live's freshness, by which it counts; /devices' `online` is the MQTT
      // connection (a device that connects, publishes and leaves is on time and not online there).
      compliance: null, link: '/api/v1/live', provenance: ['devices reporting on time: a reading within 2 of their report intervals (late after 2, silent after 3)'],
    },
  ];
}
