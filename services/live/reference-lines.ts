import type { DeviceRecord } from '../registry/registry-schema.ts';
import { noiseLimit, waterLimit, WATER_PARAMETERS, type NoiseZoneClass, type WaterParameter, type WaterTargetClass, type Waterbody } from '../standards/index.ts';
import type { StateThresholds } from './device-state.ts';

/** A horizontal line the series chart draws: a limit, a target or a band edge, named in both languages. */
export interface ReferenceLine {
  readonly value: number;
  readonly kind: 'limit' | 'target' | 'band';
  readonly labelZh: string;
  readonly labelEn: string;
}

// GB 3095-2026 Table 1, Grade II 24-h PM2.5 transition limit (75 µg/m³ in 2012's table too);
// /work/shared/reference/standards.md §2. PM10 Grade II 24-h: 150.
const airLines: Readonly<Record<string, readonly ReferenceLine[]>> = {
  pm25: [{ value: 75, kind: 'limit', labelZh: 'GB 3095 二级日均限值 75', labelEn: 'GB 3095 Grade II 24-h limit 75' }],
  pm10: [{ value: 150, kind: 'limit', labelZh: 'GB 3095 二级日均限值 150', labelEn: 'GB 3095 Grade II 24-h limit 150' }],
};

/** HJ 633 Table 1 AQI category edges (standards.md §1.6), for a chart of AQI values. */
export const aqiBandLines: readonly ReferenceLine[] = [
  { value: 50, kind: 'band', labelZh: '优 / 良 50', labelEn: 'Excellent / Good 50' },
  { value: 100, kind: 'band', labelZh: '良 / 轻度污染 100', labelEn: 'Good / Light 100' },
  { value: 150, kind: 'band', labelZh: '轻度 / 中度污染 150', labelEn: 'Light / Moderate 150' },
  { value: 200, kind: 'band', labelZh: '中度 / 重度污染 200', labelEn: 'Moderate / Heavy 200' },
  { value: 300, kind: 'band', labelZh: '重度 / 严重污染 300', labelEn: 'Heavy / Severe 300' },
];

function waterLines(device: DeviceRecord, field: string): ReferenceLine[] {
  if (!(WATER_PARAMETERS as readonly string[]).includes(field)) return [];
  const targetClass = device.attributes.targetClass as WaterTargetClass;
  const waterbody = (device.attributes.waterbody as Waterbody | undefined) ?? 'river';
  const limit = waterLimit(field as WaterParameter, targetClass, waterbody);
  if (limit === null) return [];
  // GB 3838-2002 Table 1: DO is a floor (≥), the others ceilings; pH is a range (6–9) left out here.
  const floor = field === 'do';
  return [{ value: limit, kind: 'target', labelZh: `目标${targetClass}类${floor ? '下限' : '限值'} ${limit}`, labelEn: `Class ${targetClass} target ${floor ? 'floor' : 'limit'} ${limit}` }];
}

function noiseLines(device: DeviceRecord, field: string): ReferenceLine[] {
  if (field !== 'leq') return [];
  const zone = device.attributes.zoneClass as NoiseZoneClass;
  const day = noiseLimit(zone, 'day');
  const night = noiseLimit(zone, 'night');
  // GB 3096-2008 Table 1: the zone's day (06–22) and night (22–06) Leq limits.
  return [
    { value: day, kind: 'limit', labelZh: `${zone}类区昼间限值 ${day}`, labelEn: `Zone ${zone} day limit ${day}` },
    { value: night, kind: 'limit', labelZh: `${zone}类区夜间限值 ${night}`, labelEn: `Zone ${zone} night limit ${night}` },
  ];
}

function gridLines(field: string, thresholds: StateThresholds): ReferenceLine[] {
  if (field !== 'load_rate_pct') return [];
  return [
    { value: thresholds.heavyPct, kind: 'limit', labelZh: `重载 ${thresholds.heavyPct}%`, labelEn: `Heavy load ${thresholds.heavyPct} %` },
    { value: thresholds.overloadPct, kind: 'limit', labelZh: `过载 ${thresholds.overloadPct}%`, labelEn: `Overload ${thresholds.overloadPct} %` },
  ];
}

/** The limit and target lines of one device's field (issue 21: the chart shows what the alarms hold it to). */
export function referenceLines(device: DeviceRecord, field: string, thresholds: StateThresholds): ReferenceLine[] {
  try {
    switch (device.family) {
      case 'air': return [...(airLines[field] ?? [])];
      case 'water': return waterLines(device, field);
      case 'noise': return noiseLines(device, field);
      case 'grid': return gridLines(field, thresholds);
      default: return [];
    }
  } catch {
    // A registry attribute the standard does not know draws no line rather than failing the chart.
    return [];
  }
}
