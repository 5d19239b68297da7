import { z } from 'zod';
import { getFamily } from '../services/families/index.ts';
import type { DeviceRecord } from '../services/registry/registry-schema.ts';
import { unitHash } from './rng.ts';

/**
 * Faults a fleet can inject, each with its rate: for device-level faults (stuck, skew) the
 * share of devices affected, for the others the chance per report. Each shows in the
 * platform's counts afterwards (see the README's fault table).
 */
export const faultPlanSchema = z.strictObject({
  /** The device's connection dies (Last Will: offline) and comes back after dropoutMs. */
  dropout: z.number().min(0).max(1).default(0),
  dropoutMs: z.number().int().positive().default(5_000),
  /** The sensor repeats the same values for ever. */
  stuck: z.number().min(0).max(1).default(0),
  /** One value jumps past the family's plausible range. */
  spike: z.number().min(0).max(1).default(0),
  /** The device's clock runs clockSkewMs ahead. */
  clockSkew: z.number().min(0).max(1).default(0),
  clockSkewMs: z.number().int().default(10 * 60_000),
  /** The same reading is sent twice. */
  duplicate: z.number().min(0).max(1).default(0),
  /** A message that is not JSON. */
  malformed: z.number().min(0).max(1).default(0),
  /** A publish to another device's topic. */
  wrongTopic: z.number().min(0).max(1).default(0),
});

export type FaultPlan = z.infer<typeof faultPlanSchema>;
export type FaultName = 'dropout' | 'stuck' | 'spike' | 'clockSkew' | 'duplicate' | 'malformed' | 'wrongTopic';
export const noFaults: FaultPlan = faultPlanSchema.parse({});

/** Parses `--fault name=rate` options, e.g. ['spike=0.01', 'stuck=0.1']. */
export function parseFaultOptions(options: readonly string[]): FaultPlan {
  const entries = options.map((option) => {
    const [name, value] = option.split('=');
    return [name, Number(value ?? 1)];
  });
  return faultPlanSchema.parse(Object.fromEntries(entries));
}

export interface ReportPlan {
  readonly values: Record<string, number>;
  readonly payloads: string[];
  /** Publish to a neighbour's topic instead of the device's own. */
  readonly wrongTopic: boolean;
  readonly dropout: boolean;
}

/**
 * What one report of a device becomes under the fault plan. `draw` is the report's own
 * uniform random source, so a seeded fleet injects the same faults every run.
 */
export function applyFaults(
  plan: FaultPlan,
  seed: number,
  device: DeviceRecord,
  reading: { ts: number; values: Record<string, number> },
  stuckValues: Record<string, number> | undefined,
  draw: () => number,
): ReportPlan {
  const deviceShare = (fault: string) => unitHash(seed, 'fault', fault, device.id);
  const values = plan.stuck > 0 && deviceShare('stuck') < plan.stuck && stuckValues ? stuckValues : { ...reading.values };
  if (draw() < plan.spike) {
    const [key, spec] = Object.entries(getFamily(device.family).fields).find(([key]) => key in values)!;
    values[key] = spec.max * 1.5 + 1;
  }
  const ts = plan.clockSkew > 0 && deviceShare('skew') < plan.clockSkew ? reading.ts + plan.clockSkewMs : reading.ts;
  const payload = draw() < plan.malformed ? `{"ts":${ts},${JSON.stringify(values).slice(1, -2)}` : JSON.stringify({ ts, ...values });
  return {
    values,
    payloads: draw() < plan.duplicate ? [payload, payload] : [payload],
    wrongTopic: draw() < plan.wrongTopic,
    dropout: draw() < plan.dropout,
  };
}
