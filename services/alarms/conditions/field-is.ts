import type { FamilyId } from '../../families/index.ts';
import { getFamily } from '../../families/index.ts';
import type { EvaluatorFactory } from './condition.ts';
import { codeName, codesOf } from './coded-field.ts';

/** A coded field's latest value is one of the named ones (issue 25: a charger in fault). */
export const fieldIs: EvaluatorFactory<'field-is'> = (condition, _context, ruleFamily) => {
  // The rule's family names the codes (the schema requires one for this kind); a rule without one
  // learns it from the first device it sees.
  let family: FamilyId | undefined = ruleFamily === 'any' ? undefined : ruleFamily;
  return {
    observe(reading, device) {
      const value = reading.values[condition.field];
      if (value === undefined) return null;
      family ??= device.family;
      return { active: codesOf(device, condition.field, condition.is).has(value), value, limit: null };
    },
    // The state's label in the text's language from the family's presentation (wall2: the Chinese
    // text read "充电桩状态：fault"); its code name when the family labels none. Known from the rule,
    // not from a reading: a restored alarm is worded before any (audit: "充电桩状态：2").
    format: (value, language) => {
      if (!family) return String(value);
      const name = codeName(getFamily(family), condition.field, value);
      return getFamily(family).presentation?.codeLabels?.[condition.field]?.[name]?.[language] ?? name;
    },
  };
};
