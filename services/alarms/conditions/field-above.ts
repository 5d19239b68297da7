import type { EvaluatorFactory } from './condition.ts';

/**
 * A field's latest value at or above a level (issue 25: a low point's water depth), the level given
 * in the rule or read from the device's registry attributes, so that each point keeps its own.
 */
export const fieldAbove: EvaluatorFactory<'field-above'> = (condition) => ({
  observe(reading, device) {
    const value = reading.values[condition.field];
    if (value === undefined) return null;
    const fromRegistry = condition.atLeastAttribute === undefined ? undefined : device.attributes[condition.atLeastAttribute];
    const limit = typeof fromRegistry === 'number' ? fromRegistry : condition.atLeast;
    // A device whose record lacks the attribute (and a rule without a fallback) is not judged.
    if (limit === undefined) return null;
    return { active: value >= limit, value, limit };
  },
});
