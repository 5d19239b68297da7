import { replaces, type Reading } from '../../ingest/reading.ts';
import type { DeviceRecord } from '../../registry/registry-schema.ts';
import type { EvaluatorFactory, Verdict } from './condition.ts';
import { codesOf } from './coded-field.ts';

/**
 * The share (%) of a family's devices on a street whose coded field is one of the named values,
 * below a level (issue 25: a street's free chargers). One alarm per street: it is raised on the street's first device by id (its
 * representative), found at the engine's sweep; streets with fewer than `minDevices`, or with a
 * device not yet heard, are not judged.
 */
export const streetShare: EvaluatorFactory<'street-share'> = (condition) => {
  // Each device's latest state, as the wall keeps it (ingest/reading.ts replaces).
  const latest = new Map<string, { value: number; reading: Pick<Reading, 'timeMs' | 'receivedAtMs'> }>();
  let familyOf: DeviceRecord['family'] | undefined;
  return {
    observe(reading, device) {
      const value = reading.values[condition.field];
      familyOf ??= device.family;
      const previous = latest.get(device.id);
      if (value !== undefined && (!previous || replaces(reading, previous.reading))) latest.set(device.id, { value, reading });
      return null;
    },
    sweep(_nowMs, devices) {
      if (!familyOf) return [];
      const byStreet = new Map<string, DeviceRecord[]>();
      for (const device of devices) {
        if (device.family !== familyOf || device.disabled) continue;
        const list = byStreet.get(device.street) ?? [];
        list.push(device);
        byStreet.set(device.street, list);
      }
      const found: Array<{ device: DeviceRecord; verdict: Verdict }> = [];
      for (const members of byStreet.values()) {
        // Judged once every charger of the street has been heard (at start nothing is known yet;
        // a device that stops reporting is the silent rule's, and its last state stands).
        if (members.length < condition.minDevices || members.some((device) => !latest.has(device.id))) continue;
        const codes = codesOf(members[0]!, condition.field, condition.is);
        const matching = members.filter((device) => codes.has(latest.get(device.id)?.value ?? Number.NaN)).length;
        const pct = Math.round((matching / members.length) * 1_000) / 10;
        const representative = [...members].sort((a, b) => a.id.localeCompare(b.id))[0]!;
        found.push({ device: representative, verdict: { active: pct < condition.belowPct, value: pct, limit: condition.belowPct } });
      }
      return found;
    },
  };
};
