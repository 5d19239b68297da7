import type { DayOrInstant } from './beijing-time.ts';
import { nonNegative } from './checks.ts';
import { roundHalfEven } from './rounding.ts';
import { chooseGb3095Phase, type Gb3095Phase } from './versions.ts';

/** A GB 3095 Table 1 basic item: pollutant and averaging time (o3_8h = daily max 8-h mean). */
export type AmbientLimitKey =
  | 'so2_annual' | 'so2_24h' | 'so2_1h' | 'no2_annual' | 'no2_24h' | 'no2_1h' | 'co_24h' | 'co_1h'
  | 'o3_8h' | 'o3_1h' | 'pm10_annual' | 'pm10_24h' | 'pm25_annual' | 'pm25_24h';

/** Grade I (Class 1 zones) or Grade II (Class 2 zones; all of urban Luohu). */
export type AmbientGrade = 1 | 2;

type Limits = Readonly<Record<AmbientLimitKey, readonly [gradeI: number, gradeII: number]>>;

// GB 3095-2012 Table 1 (µg/m³; CO mg/m³). The 2018 amendment changed the reference state, not the limits.
const gb3095_2012: Limits = {
  so2_annual: [20, 60], so2_24h: [50, 150], so2_1h: [150, 500],
  no2_annual: [40, 40], no2_24h: [80, 80], no2_1h: [200, 200],
  co_24h: [4, 4], co_1h: [10, 10],
  o3_8h: [100, 160], o3_1h: [160, 200],
  pm10_annual: [40, 70], pm10_24h: [50, 150],
  pm25_annual: [15, 35], pm25_24h: [35, 75],
};

// GB 3095-2026 Table 1, transition limits (2026-03-01 … 2030-12-31): only PM Grade II tightens.
const gb3095_2026_transition: Limits = {
  ...gb3095_2012,
  pm10_annual: [40, 60], pm10_24h: [50, 120],
  pm25_annual: [15, 30], pm25_24h: [35, 60],
};

// GB 3095-2026 Table 1, final limits (from 2031-01-01).
const gb3095_2026_final: Limits = {
  ...gb3095_2012,
  so2_annual: [20, 20], so2_24h: [50, 50], so2_1h: [150, 150],
  no2_annual: [30, 30], no2_24h: [50, 50],
  pm10_annual: [20, 50], pm10_24h: [50, 100],
  pm25_annual: [10, 25], pm25_24h: [25, 50],
};

const limitTables: Readonly<Record<Gb3095Phase, Limits>> = {
  'GB 3095-2012': gb3095_2012,
  'GB 3095-2026 transition': gb3095_2026_transition,
  'GB 3095-2026 final': gb3095_2026_final,
};

export type AmbientPhaseChoice = { readonly phase: Gb3095Phase } | { readonly observed: DayOrInstant };

/** The GB 3095 limit of one item for a phase and grade (default Grade II). */
export function ambientLimit(key: AmbientLimitKey, phase: Gb3095Phase, grade: AmbientGrade = 2): number {
  return limitTables[phase][key][grade - 1]!;
}

export interface AmbientCheck {
  readonly limit: number;
  /** The value compared, rounded like the published one. */
  readonly value: number;
  readonly exceeds: boolean;
  readonly phase: Gb3095Phase;
}

/**
 * Compares a concentration with its GB 3095 limit. Like a bulletin, it compares the published value:
 * rounded per GB/T 8170 to integers (CO to one decimal), the precision HJ 633-2026 §4.2.2 uses
 * (GB/T 8170 §4.3.2 "修约值比较法"). A value equal to the limit meets it.
 */
export function checkAmbientLimit(key: AmbientLimitKey, concentration: number, choice: AmbientPhaseChoice & { readonly grade?: AmbientGrade }): AmbientCheck {
  const phase = 'phase' in choice ? choice.phase : chooseGb3095Phase(choice.observed);
  const limit = ambientLimit(key, phase, choice.grade ?? 2);
  const value = roundHalfEven(nonNegative(concentration, key), key.startsWith('co_') ? 1 : 0);
  return { limit, value, exceeds: value > limit, phase };
}
