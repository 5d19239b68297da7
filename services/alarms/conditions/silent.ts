import type { EvaluatorFactory, Verdict } from './condition.ts';

/**
 * A device silent for `intervals` of its report intervals. Readings only note the time (and
 * clear the condition); the engine's sweep finds the silent ones. A device that has not
 * reported since the engine started counts from the start.
 */
/** A reading clears silence: one verdict for all of them (the engine only reads verdicts). */
const heard: Verdict = Object.freeze({ active: false, value: 0, limit: null });

export const silent: EvaluatorFactory<'silent'> = (condition, context) => {
  const lastSeen = new Map<string, number>();
  let startedAtMs: number | null = null;
  return {
    observe(reading) {
      lastSeen.set(reading.deviceId, Math.max(lastSeen.get(reading.deviceId) ?? 0, reading.receivedAtMs));
      return heard;
    },
    sweep(nowMs, devices) {
      startedAtMs ??= nowMs;
      const found: Array<{ device: (typeof devices)[number]; verdict: Verdict }> = [];
      for (const device of devices) {
        if (device.disabled) continue;
        const intervalMs = context.reportIntervalMs(device);
        const silentMs = nowMs - (lastSeen.get(device.id) ?? startedAtMs);
        if (silentMs >= condition.intervals * intervalMs) {
          found.push({ device, verdict: { active: true, value: Math.round(silentMs / 60_000), limit: Math.round((condition.intervals * intervalMs) / 60_000) } });
        }
      }
      return found;
    },
  };
};
