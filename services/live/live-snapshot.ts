import { getFamily, type Bilingual, type FamilyId } from '../families/index.ts';
import type { DeviceState } from './device-state.ts';
import type { PresentationLive } from './family-presentation.ts';
import type { Freshness } from './freshness.ts';
import type { Tile } from './tiles.ts';

/** The live view's answer (/api/v1/live): each family's devices, their latest readings and states, and the tiles. */
export interface DeviceLive {
  readonly id: string;
  readonly site: string;
  readonly siteName: string;
  readonly street: string;
  readonly lat: number;
  readonly lon: number;
  readonly online: boolean;
  readonly time: string | null;
  readonly ageMs: number | null;
  /** The device's registered report interval, else its family's (registry/report-interval.ts). */
  readonly reportIntervalMs: number;
  /** The last gap between the receipts of two of its readings (ms), null until two have come. */
  readonly gapMs: number | null;
  /** The interval its freshness is counted in (freshness.ts judgedIntervalMs: the gap it shows when shorter than registered). */
  readonly judgedIntervalMs: number;
  readonly freshness: Freshness;
  readonly values: Readonly<Record<string, number>>;
  readonly state: DeviceState;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface LiveSnapshot {
  readonly generatedAt: string;
  readonly district: string;
  readonly streets: readonly { readonly id: string; readonly name: string }[];
  readonly families: readonly {
    readonly family: FamilyId;
    readonly title: string;
    readonly reportIntervalMs: number;
    readonly units: Readonly<Record<string, string>>;
    /** Each value key's name in Chinese and English, from the family module's fields (the series' field buttons). */
    readonly fieldLabels: Readonly<Record<string, Bilingual>>;
    /** Issue 25: label, headline field, map symbol and state labels from the family module; null for hand-drawn families. */
    readonly presentation: PresentationLive | null;
    readonly devices: readonly DeviceLive[];
  }[];
  readonly tiles: readonly Tile[];
  readonly tilesAt: string | null;
}

export const unitsOf = (family: FamilyId): Record<string, string> => {
  const spec = getFamily(family);
  const units: Record<string, string> = {};
  for (const [key, field] of Object.entries(spec.fields)) units[key] = field.unit;
  for (const [key, field] of Object.entries(spec.derivedFields ?? {})) units[key] = field.unit;
  return units;
};

export const fieldLabelsOf = (family: FamilyId): Record<string, Bilingual> => {
  const spec = getFamily(family);
  const labels: Record<string, Bilingual> = {};
  for (const [key, field] of Object.entries({ ...spec.fields, ...spec.derivedFields })) labels[key] = field.label;
  return labels;
};
