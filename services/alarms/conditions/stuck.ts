import type { EvaluatorFactory } from './condition.ts';

/**
 * A stuck sensor, as the ingest's detector (services/ingest/stuck-detector.ts) judges it:
 * the detector has already seen this reading when the engine does, so this only asks it.
 * The value is the run of identical readings.
 */
export const stuck: EvaluatorFactory<'stuck'> = (_condition, context) => ({
  observe(reading) {
    if (!context.stuck) return null;
    const repeats = context.stuck.repeats(reading.deviceId);
    return { active: repeats >= context.stuck.stuckAfter, value: repeats, limit: context.stuck.stuckAfter };
  },
});
