import { optionalNonNegative } from './checks.ts';
import { roundHalfEven } from './rounding.ts';

/**
 * The precision air concentrations are published at: µg/m³ to integers and CO (mg/m³) to one
 * decimal, rounded half to even (GB/T 8170 "四舍六入五成双"), the precision HJ 633-2026 §4.2.2
 * computes the IAQI from and bulletins print. Null stays null.
 */
export const AIR_REPORTING_NOTE = 'concentrations rounded half to even (GB/T 8170) to the reporting precision of HJ 633-2026 §4.2.2: µg/m³ to integers, CO mg/m³ to 1 decimal';

export function reportedConcentration(value: unknown, unit: 'ugm3' | 'mgm3', name = 'concentration'): number | null {
  const checked = optionalNonNegative(value, name);
  return checked === null ? null : roundHalfEven(checked, unit === 'mgm3' ? 1 : 0);
}
