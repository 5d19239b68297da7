import { getFamily } from '../../families/index.ts';
import type { DeviceRecord } from '../../registry/registry-schema.ts';

/** The codes of a coded field (a charger's state) that stand for the named values, for the device's family. */
export function codesOf(device: DeviceRecord, field: string, names: readonly string[]): ReadonlySet<number> {
  const codes = getFamily(device.family).fields[field]?.codes ?? [];
  return new Set(names.map((name) => codes.indexOf(name)).filter((code) => code >= 0));
}

/** The name of a code of a coded field, for alarm texts ("fault", not 2). */
export function codeName(family: ReturnType<typeof getFamily>, field: string, code: number): string {
  return family.fields[field]?.codes?.[code] ?? String(code);
}
