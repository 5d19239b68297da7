/**
 * A short, safe rendering of a value for a message: never recursive, since a payload nested
 * thousands deep makes JSON.stringify throw (found by the property tests).
 */
export function preview(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return String(value);
}
