import { airFamily } from './air.ts';
import type { Family } from './define-family.ts';
import { evChargingFamily } from './ev-charging.ts';
import { gridFamily } from './grid.ts';
import { noiseFamily } from './noise.ts';
import { parkingFamily } from './parking.ts';
import { vocFamily } from './voc.ts';
import { waterFamily } from './water.ts';
import { waterloggingFamily } from './waterlogging.ts';

/** The registry of sensor families: adding a family means one module and one line here. */
export const families = {
  air: airFamily,
  water: waterFamily,
  grid: gridFamily,
  parking: parkingFamily,
  noise: noiseFamily,
  voc: vocFamily,
  waterlogging: waterloggingFamily,
  ev_charging: evChargingFamily,
} as const;

export type FamilyId = keyof typeof families;
export const familyIds = Object.keys(families) as FamilyId[];

export function isFamilyId(value: string): value is FamilyId {
  return Object.hasOwn(families, value);
}

export function getFamily(id: FamilyId): Family {
  return families[id] as unknown as Family;
}

export { derivedFrom } from './define-family.ts';
export type { Bilingual, DerivedFieldSpec, Family, FamilyPresentation, FamilyState, FieldSpec, PayloadValues, RollupOutput, RollupRow } from './define-family.ts';
