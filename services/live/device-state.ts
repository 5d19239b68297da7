import type { FamilyId } from '../families/index.ts';
import type { DeviceRecord } from '../registry/registry-schema.ts';
import {
  DEFAULT_BUSY_PCT, evaluateNoise, evaluateVocStack, vocStackLimitsMgm3, noiseLimit, evaluateWaterSection, hourlyAqi, noisePeriodAt, occupancyPct,
  type NoiseZoneClass, type WaterSample, type WaterTargetClass, type Waterbody,
} from '../standards/index.ts';
import { getFamily } from '../families/index.ts';

/** A device's state as the screen colours it: a level from the family's standard, its colour and label. */
export interface DeviceState {
  /** 0 good … 3 worst, comparable across families (for the map). */
  readonly severity: 0 | 1 | 2 | 3;
  readonly colour: string;
  /** Machine label (an AQI level, a water class, a load band …); the screen translates it. */
  readonly label: string;
  /** The figure the state was judged on (AQI, class, load %, occupancy %, Leq), and its limit where there is one. */
  readonly value: number | string | null;
  readonly limit: number | string | null;
  /** Noise only: the zone's day and night Leq limits (GB 3096-2008 Table 1). */
  readonly limits?: { readonly day: number; readonly night: number };
}

export interface StateThresholds {
  readonly heavyPct: number;
  readonly overloadPct: number;
}

// Display colours for the bands the standards define but give no colour to; the AQI colours are
// HJ 633's own (services/standards/aqi-category.ts) and are not restated here.
const band = { ok: '#2fbf71', watch: '#f2c94c', warn: '#f2994a', bad: '#eb5757', none: '#5b6b7f' } as const;
// GB 3838 grade colours as evaluateWaterSection names them (环办〔2011〕22号), in screen hues.
const waterHue: Readonly<Record<string, string>> = { blue: '#2d9cdb', green: '#2fbf71', yellow: '#f2c94c', orange: '#f2994a', red: '#eb5757' };

const unknown: DeviceState = { severity: 0, colour: band.none, label: 'no-data', value: null, limit: null };

function airState(values: Readonly<Record<string, number>>, timeMs: number): DeviceState {
  const { so2, no2, co, o3, pm10, pm25 } = values;
  // A real-time indication from the latest 1-h-scale values (HJ 633-2026 Table 5 columns); the
  // published hourly AQI is the rollup's, from whole-hour means.
  const result = hourlyAqi({ so2, no2, co, o3, pm10, pm25 }, { hourEnding: timeMs });
  if (result.aqi === null || result.level === null) return unknown;
  const severity = result.level <= 1 ? 0 : result.level === 2 ? 1 : result.level === 3 ? 2 : 3;
  return { severity, colour: result.colour ?? band.none, label: `aqi-${result.level}`, value: result.aqi, limit: 100 };
}

function waterState(values: Readonly<Record<string, number>>, attributes: Record<string, unknown>): DeviceState {
  const sample: WaterSample = {};
  for (const key of ['ph', 'do', 'codmn', 'cod', 'nh3n', 'tp', 'tn'] as const) if (values[key] !== undefined) sample[key] = values[key];
  if (Object.keys(sample).length === 0) return unknown;
  const targetClass = attributes.targetClass as WaterTargetClass;
  const result = evaluateWaterSection(sample, { targetClass, waterbody: attributes.waterbody as Waterbody });
  const severity = result.meetsTarget ? 0 : result.class === '劣V' ? 3 : 2;
  return { severity, colour: waterHue[result.colour] ?? band.none, label: `class-${result.class}`, value: result.class, limit: targetClass };
}

function gridState(values: Readonly<Record<string, number>>, device: DeviceRecord, thresholds: StateThresholds): DeviceState {
  const pct = getFamily('grid').derive?.(values, device.attributes).load_rate_pct;
  if (pct === undefined || !Number.isFinite(pct)) return unknown;
  // A single point over the threshold is a band, not yet a 重载 event (that needs 8 points: the alarms' job).
  if (pct >= thresholds.overloadPct) return { severity: 3, colour: band.bad, label: 'load-overload', value: pct, limit: thresholds.overloadPct };
  if (pct >= thresholds.heavyPct) return { severity: 2, colour: band.warn, label: 'load-heavy', value: pct, limit: thresholds.heavyPct };
  if (pct >= thresholds.heavyPct * 0.75) return { severity: 1, colour: band.watch, label: 'load-medium', value: pct, limit: thresholds.heavyPct };
  return { severity: 0, colour: band.ok, label: 'load-normal', value: pct, limit: thresholds.heavyPct };
}

function parkingState(values: Readonly<Record<string, number>>): DeviceState {
  const pct = occupancyPct(Math.min(values.occupiedSpaces ?? 0, values.totalSpaces ?? 0), values.totalSpaces ?? 0);
  if (pct === null) return unknown;
  if (pct >= 100) return { severity: 3, colour: band.bad, label: 'occupancy-full', value: pct, limit: 100 };
  if (pct >= DEFAULT_BUSY_PCT) return { severity: 2, colour: band.warn, label: 'occupancy-busy', value: pct, limit: DEFAULT_BUSY_PCT };
  return { severity: 0, colour: band.ok, label: 'occupancy-free', value: pct, limit: DEFAULT_BUSY_PCT };
}

function noiseState(values: Readonly<Record<string, number>>, attributes: Record<string, unknown>, timeMs: number): DeviceState {
  if (values.leq === undefined) return unknown;
  const period = noisePeriodAt(timeMs);
  const verdict = evaluateNoise({ zone: attributes.zoneClass as NoiseZoneClass, period, leq: values.leq, lmax: values.lmax ?? null });
  const label = `noise-${period}-${verdict.exceeds ? 'over' : 'within'}`;
  const zone = attributes.zoneClass as NoiseZoneClass;
  return {
    severity: verdict.exceeds ? 2 : 0, colour: verdict.exceeds ? band.bad : band.ok, label, value: values.leq, limit: verdict.limit,
    limits: { day: noiseLimit(zone, 'day'), night: noiseLimit(zone, 'night') },
  };
}

function vocState(values: Readonly<Record<string, number>>): DeviceState {
  const { worstShare, worstKey } = evaluateVocStack(values);
  if (worstShare === null || worstKey === null) return unknown;
  const limit = vocStackLimitsMgm3[worstKey];
  if (worstShare > 1) return { severity: 3, colour: band.bad, label: 'voc-over', value: values[worstKey]!, limit };
  if (worstShare >= 0.8) return { severity: 1, colour: band.watch, label: 'voc-near', value: values[worstKey]!, limit };
  return { severity: 0, colour: band.ok, label: 'voc-within', value: values[worstKey]!, limit };
}

// Severity colours for families judged by their module: the same bands as the others.
const severityColour = [band.ok, band.watch, band.warn, band.bad] as const;

function moduleState(device: DeviceRecord, values: Readonly<Record<string, number>>, timeMs: number): DeviceState {
  const judged = getFamily(device.family).state?.(values, device.attributes, timeMs);
  if (!judged) return unknown;
  // Namespaced by family (`family.state`): the screen's label table holds every family's states.
  return { ...judged, label: `${device.family}.${judged.label}`, colour: severityColour[judged.severity] };
}

/** The state of one device from its latest values, judged by its family's standard. */
export function deviceState(device: DeviceRecord, values: Readonly<Record<string, number>>, timeMs: number, thresholds: StateThresholds): DeviceState {
  try {
    // Families with a judge of their own here; any other is judged by its module (issue 25, item 3).
    const judges: Partial<Record<FamilyId, () => DeviceState>> = {
      air: () => airState(values, timeMs),
      water: () => waterState(values, device.attributes),
      grid: () => gridState(values, device, thresholds),
      parking: () => parkingState(values),
      noise: () => noiseState(values, device.attributes, timeMs),
      voc: () => vocState(values),
    };
    return (judges[device.family] ?? (() => moduleState(device, values, timeMs)))();
  } catch {
    // A value the standard refuses (negative, inconsistent) is shown as unjudged, never as a crash.
    return unknown;
  }
}

export const noDataState = unknown;
